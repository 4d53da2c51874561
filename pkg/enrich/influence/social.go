package influence

import "github.com/veille-oss/veille/pkg/platform/mention"

// engRepostWeight is what a repost or a quote post counts for in likes: the
// post is shown again to another audience, like a forum quote
// (engQuoteWeight), so it weighs as much.
const engRepostWeight = engQuoteWeight

// socialLikes folds a social post's reposts and quotes into its likes, so
// they feed the engagement component (docs/influence.md) through the same
// per-post growth accounting as likes. Views are not engagement: a view
// is not a reaction, and only some networks give them.
func socialLikes(m *mention.Mention) int {
	return max(m.Likes, 0) + engRepostWeight*(max(m.Reposts, 0)+max(m.Quotes, 0))
}
