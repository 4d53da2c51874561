package demo

import "time"

// The demo's social networks: a Bluesky-like firehose and a Mastodon-like
// instance (served by services/social/standin in `veille demo`) where part
// of the Duval story is told, so the live page shows social mentions within
// seconds. Posts appear at their story offset, like the web's.

// SocialAccount is an account of the demo's social networks.
type SocialAccount struct {
	Network   string // bluesky or mastodon
	Handle    string // without @ (Bluesky: a domain handle; Mastodon: the username)
	Name      string
	Followers int
	Following int
	Posts     int
	Age       time.Duration // account age at the start of the run
}

// SocialPost is one post, at a story offset.
type SocialPost struct {
	Network string
	At      time.Duration
	Handle  string
	Text    string
	// ReplyTo is the index in SocialPosts of the post answered, or -1.
	ReplyTo int
	Tags    []string // Mastodon hashtags
	Likes   int
	Reposts int
	Replies int
}

const day = 24 * time.Hour

// SocialAccounts are the demo's accounts.
var SocialAccounts = []SocialAccount{
	{"bluesky", "laiterieduval.fr", "Laiterie Duval", 8200, 140, 930, 700 * day},
	{"bluesky", "camille-cuisine.bsky.social", "Camille en cuisine", 15400, 610, 4100, 900 * day},
	{"bluesky", "monquotidien.fr", "Mon Quotidien", 48000, 320, 22000, 1200 * day},
	{"bluesky", "nadege.bsky.social", "Nadège", 310, 290, 1200, 400 * day},
	{"bluesky", "kevin77.bsky.social", "Kévin", 95, 410, 800, 250 * day},
	{"bluesky", "fermesblanchard.fr", "Fermes Blanchard", 5100, 90, 610, 800 * day},
	{"mastodon", "awadiop", "Awa Diop", 1200, 300, 5400, 600 * day},
	{"mastodon", "papaours", "Papa Ours", 240, 180, 2100, 1000 * day},
	{"mastodon", "ufc_locale", "Association conso Lyon", 3900, 120, 1800, 1500 * day},
	{"mastodon", "julie_velo", "Julie", 410, 350, 3300, 700 * day},
}

// SocialPosts is the story told on the social networks, in order.
var SocialPosts = []SocialPost{
	{"bluesky", 1 * time.Second, "camille-cuisine.bsky.social", "Petit-déjeuner du dimanche : granola maison et yaourt nature Duval. Simple et efficace.", -1, nil, 42, 3, 5},
	{"mastodon", 2 * time.Second, "julie_velo", "Livraison de fromage blanc des Fermes Blanchard au marché ce matin, toujours aussi bon.", -1, []string{"marché"}, 7, 1, 0},
	{"bluesky", 4 * time.Second, "fermesblanchard.fr", "Nouveau : notre fromage blanc au lait de brebis arrive chez vos crémiers. Fermes Blanchard.", -1, nil, 120, 18, 9},
	{"mastodon", 6 * time.Second, "papaours", "Les yaourts Duval, une valeur sûre à la maison depuis vingt ans.", -1, []string{"Duval"}, 4, 0, 1},
	{"bluesky", 16 * time.Second, "nadege.bsky.social", "Ma fille a été malade toute la nuit après un yaourt Duval à la vanille. Quelqu'un d'autre ?", -1, nil, 35, 12, 14},
	{"bluesky", 19 * time.Second, "kevin77.bsky.social", "Pareil chez nous, intoxication après les yaourts Duval. C'est un scandale, personne ne prévient.", 4, nil, 51, 20, 6},
	{"mastodon", 21 * time.Second, "awadiop", "Plusieurs familles à Lyon malades après des yaourts Duval à la vanille. Un rappel produit est-il prévu ? #Duval", -1, []string{"Duval", "rappel"}, 88, 40, 17},
	{"bluesky", 24 * time.Second, "monquotidien.fr", "Intoxications à Lyon : la Laiterie Duval confirme un problème sur un lot de yaourts à la vanille.", -1, nil, 310, 190, 75},
	{"mastodon", 27 * time.Second, "ufc_locale", "Rappel Duval : ne consommez pas les yaourts vanille du lot L2403, rapportez-les en magasin. #Duval #rappel", -1, []string{"Duval", "rappel"}, 140, 210, 30},
	{"bluesky", 30 * time.Second, "kevin77.bsky.social", "Je ne rachèterai plus jamais de Duval. Aucune excuse, rien. Honteux.", -1, nil, 22, 4, 3},
	{"mastodon", 33 * time.Second, "papaours", "Vingt ans de yaourts Duval et voilà. Très déçu, on passe à autre chose. #Duval", 3, []string{"Duval"}, 9, 2, 1},
	{"bluesky", 38 * time.Second, "laiterieduval.fr", "La Laiterie Duval rappelle le lot L2403 de yaourts à la vanille. Nous présentons nos excuses aux familles touchées et remboursons chaque pot.", -1, nil, 95, 140, 160},
	{"bluesky", 42 * time.Second, "nadege.bsky.social", "Merci pour la réponse rapide de la Laiterie Duval, ma fille va mieux.", 11, nil, 14, 1, 0},
	{"mastodon", 47 * time.Second, "awadiop", "Le rappel Duval est bien relayé en magasin, les pots vanille sont retirés des rayons. #Duval", -1, []string{"Duval"}, 30, 12, 2},
	{"bluesky", 52 * time.Second, "camille-cuisine.bsky.social", "Pour celles et ceux qui demandent : je continue le yaourt nature Duval, le rappel ne concerne que la vanille.", -1, nil, 60, 8, 22},
}
