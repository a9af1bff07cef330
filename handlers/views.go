package handlers

import (
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"mypinterest/store"
)

// This file converts store types into the JSON shapes of docs/API.md §Shapes. Field
// order follows the spec so that answers read the way it documents them.

// defaultAvatarURL is shown for users who never set an avatar.
const defaultAvatarURL = "/static/img/avatar.svg"

// rfc3339 formats times the one way the API shows them: UTC, with
// milliseconds when there are any (the store keeps milliseconds).
func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func avatarURL(img store.ImageRef) string {
	if img.IsZero() {
		return defaultAvatarURL
	}
	return thumbURL(img)
}

// selfJSON is a user as they see themselves: the only shape with an email.
type selfJSON struct {
	ID        string `json:"id"`
	Email     string `json:"email"`
	Nickname  string `json:"nickname"`
	AvatarURL string `json:"avatar_url"`
	Message   string `json:"message"`
	CreatedAt string `json:"created_at"`
}

func selfView(u *store.User) selfJSON {
	return selfJSON{
		ID:        u.ID.Hex(),
		Email:     u.Email,
		Nickname:  u.Nickname,
		AvatarURL: avatarURL(u.Avatar),
		Message:   u.Message,
		CreatedAt: rfc3339(u.CreatedAt),
	}
}

// cardJSON is how other users appear in lists and on pins and comments.
type cardJSON struct {
	ID        string `json:"id"`
	Nickname  string `json:"nickname"`
	AvatarURL string `json:"avatar_url"`
}

func cardView(c store.Card) cardJSON {
	return cardJSON{ID: c.ID.Hex(), Nickname: c.Nickname, AvatarURL: avatarURL(c.Avatar)}
}

type profileJSON struct {
	ID             string `json:"id"`
	Nickname       string `json:"nickname"`
	AvatarURL      string `json:"avatar_url"`
	Message        string `json:"message"`
	PinCount       int64  `json:"pin_count"`
	FollowerCount  int64  `json:"follower_count"`
	FollowingCount int64  `json:"following_count"`
	IsFollowing    bool   `json:"is_following"`
}

func profileView(p *store.Profile) profileJSON {
	return profileJSON{
		ID:             p.ID.Hex(),
		Nickname:       p.Nickname,
		AvatarURL:      avatarURL(p.Avatar),
		Message:        p.Message,
		PinCount:       p.PinCount,
		FollowerCount:  p.FollowerCount,
		FollowingCount: p.FollowingCount,
		IsFollowing:    p.IsFollowing,
	}
}

// groupJSON is a group: image_url and thumb_url are null without a cover;
// preview_urls (docs/API.md §Groups) are the thumbnails of its newest
// pins, posted or saved, at most store.PreviewPins, for a collage.
type groupJSON struct {
	ID          string   `json:"id"`
	Title       string   `json:"title"`
	Content     string   `json:"content"`
	Secret      bool     `json:"secret"`
	Owner       cardJSON `json:"owner"`
	ImageURL    *string  `json:"image_url"`
	ThumbURL    *string  `json:"thumb_url"`
	PreviewURLs []string `json:"preview_urls"`
	PinCount    int64    `json:"pin_count"`
	CreatedAt   string   `json:"created_at"`
	UpdatedAt   string   `json:"updated_at"`
}

func groupView(g store.GroupView, owner store.Card) groupJSON {
	v := groupJSON{
		ID:          g.ID.Hex(),
		Title:       g.Title,
		Content:     g.Content,
		Secret:      g.Secret,
		Owner:       cardView(owner),
		PreviewURLs: make([]string, len(g.Previews)),
		PinCount:    g.PinCount,
		CreatedAt:   rfc3339(g.CreatedAt),
		UpdatedAt:   rfc3339(g.UpdatedAt),
	}
	if !g.Image.IsZero() {
		img, thumb := imageURL(g.Image), thumbURL(g.Image)
		v.ImageURL, v.ThumbURL = &img, &thumb
	}
	for i, p := range g.Previews {
		v.PreviewURLs[i] = thumbURL(p)
	}
	return v
}

type pinJSON struct {
	ID             string   `json:"id"`
	Title          string   `json:"title"`
	Content        string   `json:"content"`
	GroupID        string   `json:"group_id"`
	Author         cardJSON `json:"author"`
	ImageURL       string   `json:"image_url"`
	ThumbURL       string   `json:"thumb_url"`
	Width          int      `json:"width"`
	Height         int      `json:"height"`
	LikeCount      int64    `json:"like_count"`
	BookmarkCount  int64    `json:"bookmark_count"`
	CommentCount   int64    `json:"comment_count"`
	SaveCount      int64    `json:"save_count"`
	LikedByMe      bool     `json:"liked_by_me"`
	BookmarkedByMe bool     `json:"bookmarked_by_me"`
	SavedGroupIDs  []string `json:"saved_group_ids"`
	CreatedAt      string   `json:"created_at"`
	UpdatedAt      string   `json:"updated_at"`
}

func pinView(p store.PinView) pinJSON {
	return pinJSON{
		ID:             p.ID.Hex(),
		Title:          p.Title,
		Content:        p.Content,
		GroupID:        p.GroupID.Hex(),
		Author:         cardView(p.Author),
		ImageURL:       imageURL(p.Image),
		ThumbURL:       thumbURL(p.Image),
		Width:          p.Image.Width,
		Height:         p.Image.Height,
		LikeCount:      p.Counts.Likes,
		BookmarkCount:  p.Counts.Bookmarks,
		CommentCount:   p.Counts.Comments,
		SaveCount:      p.Counts.Saves,
		LikedByMe:      p.LikedByMe,
		BookmarkedByMe: p.BookmarkedByMe,
		SavedGroupIDs:  hexIDs(p.SavedGroupIDs),
		CreatedAt:      rfc3339(p.CreatedAt),
		UpdatedAt:      rfc3339(p.UpdatedAt),
	}
}

// hexIDs returns ids as hex strings, [] (never null) when there are none.
func hexIDs(ids []bson.ObjectID) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = id.Hex()
	}
	return out
}

// publicPinView is a pin as an anonymous viewer sees it: what live events
// carry, since one frame goes to every subscriber.
func publicPinView(p store.PinView) pinJSON {
	v := pinView(p)
	v.LikedByMe, v.BookmarkedByMe, v.SavedGroupIDs = false, false, []string{}
	return v
}

type commentJSON struct {
	ID        string   `json:"id"`
	PinID     string   `json:"pin_id"`
	Content   string   `json:"content"`
	Author    cardJSON `json:"author"`
	CreatedAt string   `json:"created_at"`
}

func commentView(c store.CommentView) commentJSON {
	return commentJSON{
		ID:        c.ID.Hex(),
		PinID:     c.PinID.Hex(),
		Content:   c.Content,
		Author:    cardView(c.Author),
		CreatedAt: rfc3339(c.CreatedAt),
	}
}

type pinStubJSON struct {
	ID       string `json:"id"`
	Title    string `json:"title"`
	ThumbURL string `json:"thumb_url"`
}

type notificationJSON struct {
	ID        string       `json:"id"`
	Kind      string       `json:"kind"`
	Actor     cardJSON     `json:"actor"`
	Pin       *pinStubJSON `json:"pin"`
	Read      bool         `json:"read"`
	CreatedAt string       `json:"created_at"`
}

func notificationView(n store.NotificationView) notificationJSON {
	v := notificationJSON{
		ID:        n.ID.Hex(),
		Kind:      n.Kind,
		Actor:     cardView(n.Actor),
		Read:      n.Read,
		CreatedAt: rfc3339(n.CreatedAt),
	}
	if n.Pin != nil {
		v.Pin = &pinStubJSON{ID: n.Pin.ID.Hex(), Title: n.Pin.Title, ThumbURL: thumbURL(n.Pin.Image)}
	}
	return v
}

// liveNotificationJSON is the data of a notification.created event: the
// notification plus the recipient's unread count, so a badge needs no
// extra request.
type liveNotificationJSON struct {
	notificationJSON
	UnreadCount int64 `json:"unread_count"`
}
