package entities

import "strings"

// placeList is a small gazetteer: French cities, regions and departments,
// francophone cities, and countries (French and English names).
const placeList = `Paris|Marseille|Lyon|Toulouse|Nice|Nantes|Strasbourg|Montpellier|Bordeaux|Lille|Rennes|Reims|Le Havre|Saint-Étienne|Toulon|Grenoble|Dijon|Angers|Nîmes|Villeurbanne|Clermont-Ferrand|Le Mans|Aix-en-Provence|Brest|Tours|Amiens|Limoges|Annecy|Perpignan|Boulogne-Billancourt|Metz|Besançon|Orléans|Rouen|Mulhouse|Caen|Nancy|Argenteuil|Saint-Denis|Roubaix|Tourcoing|Avignon|Poitiers|Versailles|Pau|La Rochelle|Calais|Cannes|Antibes|Dunkerque|Saint-Malo|Bayonne|Lorient|Quimper|Vannes|Saint-Brieuc|Cherbourg|Ajaccio|Bastia|Chambéry|Valence|Troyes|Colmar|Lourdes|Vichy|Biarritz|Deauville|Chamonix|Saint-Nazaire|Laval|Niort|Angoulême|Béziers|Carcassonne|Arles|Montauban|Albi|Rodez|Auxerre|Belfort|Évry|Créteil|Nanterre|Bobigny|Pointe-à-Pitre|Fort-de-France|Cayenne|Nouméa|Papeete|Saint-Pierre|Mamoudzou|
Île-de-France|Ile-de-France|Bretagne|Normandie|Hauts-de-France|Grand Est|Alsace|Lorraine|Champagne|Bourgogne|Franche-Comté|Auvergne|Rhône-Alpes|Auvergne-Rhône-Alpes|Occitanie|Nouvelle-Aquitaine|Aquitaine|Provence|Provence-Alpes-Côte d'Azur|Côte d'Azur|Corse|Centre-Val de Loire|Pays de la Loire|Picardie|Limousin|Languedoc|Roussillon|Savoie|Haute-Savoie|Gironde|Finistère|Morbihan|Vendée|Loire|Rhône|Seine|Seine-Saint-Denis|Val-de-Marne|Hauts-de-Seine|Essonne|Yvelines|Val-d'Oise|Seine-et-Marne|Nord|Pas-de-Calais|Bouches-du-Rhône|Var|Alpes-Maritimes|Hérault|Gard|Haute-Garonne|Isère|Drôme|Ardèche|Dordogne|Landes|Pyrénées|Alpes|Jura|Vosges|Massif central|Guadeloupe|Martinique|Guyane|La Réunion|Réunion|Mayotte|Polynésie|Nouvelle-Calédonie|
Bruxelles|Brussels|Liège|Namur|Charleroi|Anvers|Genève|Geneva|Lausanne|Berne|Zurich|Montréal|Montreal|Québec|Quebec|Ottawa|Toronto|Luxembourg|Monaco|Dakar|Abidjan|Kinshasa|Brazzaville|Yaoundé|Douala|Bamako|Ouagadougou|Niamey|Lomé|Cotonou|Libreville|Conakry|Nouakchott|N'Djamena|Bangui|Antananarivo|Djibouti|Kigali|Bujumbura|Tunis|Alger|Algiers|Oran|Rabat|Casablanca|Marrakech|Tanger|Beyrouth|Port-au-Prince|
London|Londres|Berlin|Madrid|Barcelone|Barcelona|Rome|Milan|Lisbonne|Lisbon|Amsterdam|Vienne|Vienna|Varsovie|Moscou|Moscow|Kiev|Kyiv|Istanbul|Athènes|Athens|New York|Washington|Los Angeles|San Francisco|Chicago|Pékin|Beijing|Shanghai|Tokyo|Séoul|Seoul|Dubaï|Dubai|Le Caire|Cairo|Jérusalem|Jerusalem|Sydney|Mumbai|Bombay|Delhi|
France|Belgique|Belgium|Suisse|Switzerland|Canada|Allemagne|Germany|Espagne|Spain|Italie|Italy|Portugal|Royaume-Uni|United Kingdom|UK|Angleterre|England|Irlande|Ireland|Pays-Bas|Netherlands|Autriche|Austria|Pologne|Poland|Russie|Russia|Ukraine|Grèce|Greece|Turquie|Turkey|États-Unis|Etats-Unis|United States|USA|Mexique|Mexico|Brésil|Brazil|Argentine|Argentina|Chine|China|Japon|Japan|Inde|India|Corée|Korea|Australie|Australia|Maroc|Morocco|Algérie|Algeria|Tunisie|Tunisia|Égypte|Egypte|Egypt|Sénégal|Senegal|Côte d'Ivoire|Ivory Coast|Mali|Burkina Faso|Niger|Togo|Bénin|Benin|Cameroun|Cameroon|Gabon|Congo|RDC|Guinée|Mauritanie|Tchad|Madagascar|Rwanda|Burundi|Haïti|Haiti|Liban|Lebanon|Israël|Israel|Iran|Irak|Iraq|Syrie|Syria|Arabie saoudite|Saudi Arabia|Nigeria|Afrique du Sud|South Africa|Kenya|Éthiopie|Ethiopia|Europe|Afrique|Africa|Asie|Asia|Amérique|America|Union européenne`

var places = func() map[string]struct{} {
	m := map[string]struct{}{}
	for _, p := range strings.Split(strings.ReplaceAll(placeList, "\n", ""), "|") {
		if p = strings.TrimSpace(p); p != "" {
			m[strings.ToLower(strings.Join(splitWords(strings.ReplaceAll(p, "'", " ")), " "))] = struct{}{}
			m[strings.ToLower(p)] = struct{}{}
		}
	}
	return m
}()

// firstNames are common given names: a capitalised pair starting with one is a person.
var firstNames = func() map[string]bool {
	m := map[string]bool{}
	for _, n := range strings.Fields(`jean pierre michel philippe alain nicolas christophe patrick daniel françois laurent frédéric éric eric stéphane david olivier pascal thierry julien sébastien emmanuel marc bernard jacques paul louis thomas antoine lucas hugo léo gabriel arthur mathieu vincent guillaume romain maxime alexandre benjamin jérôme franck bruno didier gérard yves christian claude henri andré rené georges marcel
marie nathalie isabelle sylvie catherine françoise christine sophie anne valérie sandrine véronique céline julie aurélie émilie camille léa manon chloé emma inès sarah laura pauline marine charlotte clémence lucie élodie audrey caroline hélène martine monique nicole brigitte ségolène rachida marine christiane agnès élisabeth elisabeth jacqueline annie
mohamed ahmed ali karim mamadou moussa ibrahima fatou aminata fatima aïcha omar youssef rachid samir nadia leila yasmine amadou ousmane abdoulaye kofi
john james robert michael william richard joseph charles mary jennifer elizabeth linda barbara susan jessica emily donald joe kamala elon mark jeff tim bill steve`) {
		m[n] = true
	}
	return m
}()
