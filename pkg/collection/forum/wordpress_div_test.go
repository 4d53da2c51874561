package forum

import "testing"

// wp_list_comments(array('style' => 'div')): comments are divs, replies in
// div.children; each is read once, replies name their parent.
func TestWordPressDivStyleComments(t *testing.T) {
	page := `<html lang="fr"><body><div id="comments"><div class="comment-list">
<div class="comment even thread-even depth-1 parent" id="comment-5"><div id="div-comment-5" class="comment-body">
 <div class="comment-author vcard"><cite class="fn">Ana</cite></div>
 <div class="comment-meta commentmetadata"><a href="https://b.test/a/#comment-5">6 janvier 2024 à 22 h 42 min</a></div>
 <p>Premier avis sur Voltéo.</p></div>
 <div class="children">
  <div class="comment odd alt depth-2" id="comment-9"><div id="div-comment-9" class="comment-body">
   <div class="comment-author vcard"><cite class="fn">Bo</cite></div>
   <div class="comment-meta commentmetadata"><a href="https://b.test/a/#comment-9">7 janvier 2024 à 8 h 05 min</a></div>
   <p>Réponse.</p></div></div>
 </div>
</div>
<div class="comment even thread-odd depth-1" id="comment-6"><div id="div-comment-6" class="comment-body">
 <div class="comment-author vcard"><cite class="fn">Cy</cite></div>
 <div class="comment-meta commentmetadata"><a href="https://b.test/a/#comment-6">6 janvier 2024 à 23 h 00 min</a></div>
 <p>Deuxième.</p></div></div>
</div></div></body></html>`
	p, err := wordpressProfile{}.Parse(page, "https://b.test/a/", testOptions())
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Posts) != 3 || p.Containers != 3 {
		t.Fatalf("%d posts, %d containers: %+v", len(p.Posts), p.Containers, p.Posts)
	}
	want := map[string][2]string{"comment-5": {"Ana", ""}, "comment-9": {"Bo", "comment-5"}, "comment-6": {"Cy", ""}}
	for _, q := range p.Posts {
		w := want[q.Anchor]
		if q.Author.Name != w[0] || q.QuotedRef != w[1] || q.Published.IsZero() || q.Text == "" || (q.Anchor == "comment-5" && q.Text != "Premier avis sur Voltéo.") {
			t.Fatalf("%s: %+v", q.Anchor, q)
		}
	}
}
