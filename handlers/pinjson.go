package handlers

import (
	"encoding/hex"
	"strconv"
	"time"
	"unicode/utf8"

	"go.mongodb.org/mongo-driver/v2/bson"

	"mypinterest/media"
	"mypinterest/store"
)

// appendPinJSON appends the JSON of p, the very bytes of
// json.Marshal(pinView(*p)), without building pinView's strings or
// reflecting over them: a list of 24 random pins spent a tenth of its CPU
// there (docs/BENCHMARKS.md). TestPinJSONMatchesEncoder and
// FuzzAppendJSONString hold it to the encoder.
func appendPinJSON(b []byte, p *store.PinView) []byte {
	b = appendIDField(b, `{"id":`, p.ID)
	b = appendJSONString(append(b, `,"title":`...), p.Title)
	b = appendJSONString(append(b, `,"content":`...), p.Content)
	b = appendIDField(b, `,"group_id":`, p.GroupID)
	b = appendIDField(b, `,"author":{"id":`, p.Author.ID)
	b = appendJSONString(append(b, `,"nickname":`...), p.Author.Nickname)
	b = append(b, `,"avatar_url":`...)
	if p.Author.Avatar.IsZero() {
		b = appendJSONString(b, defaultAvatarURL)
	} else {
		b = appendMediaURL(b, p.Author.Avatar, media.ThumbWidth)
	}
	b = append(b, `},"image_url":`...)
	b = appendMediaURL(b, p.Image, media.DetailWidth)
	b = append(b, `,"thumb_url":`...)
	b = appendMediaURL(b, p.Image, media.ThumbWidth)
	b = strconv.AppendInt(append(b, `,"width":`...), int64(p.Image.Width), 10)
	b = strconv.AppendInt(append(b, `,"height":`...), int64(p.Image.Height), 10)
	b = strconv.AppendInt(append(b, `,"like_count":`...), p.Counts.Likes, 10)
	b = strconv.AppendInt(append(b, `,"bookmark_count":`...), p.Counts.Bookmarks, 10)
	b = strconv.AppendInt(append(b, `,"comment_count":`...), p.Counts.Comments, 10)
	b = strconv.AppendInt(append(b, `,"save_count":`...), p.Counts.Saves, 10)
	b = strconv.AppendBool(append(b, `,"liked_by_me":`...), p.LikedByMe)
	b = strconv.AppendBool(append(b, `,"bookmarked_by_me":`...), p.BookmarkedByMe)
	b = append(b, `,"saved_group_ids":[`...)
	for i, g := range p.SavedGroupIDs {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendHexID(b, g)
	}
	b = appendTime(append(b, `],"created_at":`...), p.CreatedAt)
	b = appendTime(append(b, `,"updated_at":`...), p.UpdatedAt)
	return append(b, '}')
}

// appendIDField appends name (the key and the punctuation before it) and
// id as a quoted hex string.
func appendIDField(b []byte, name string, id bson.ObjectID) []byte {
	return appendHexID(append(b, name...), id)
}

func appendHexID(b []byte, id bson.ObjectID) []byte {
	b = append(b, '"')
	b = hex.AppendEncode(b, id[:])
	return append(b, '"')
}

// appendMediaURL appends the quoted URL of ref's variant of the given
// width, as imageURL and thumbURL spell it ("" when there is no image),
// in place: building it as a string cost two allocations.
func appendMediaURL(b []byte, ref store.ImageRef, width int) []byte {
	if ref.IsZero() {
		return append(b, `""`...)
	}
	b = appendJSONText(append(b, `"/media/`...), ref.Key)
	b = strconv.AppendInt(append(b, '/'), int64(width), 10)
	b = appendJSONText(append(b, '.'), media.VariantExt(ref.Alpha))
	return append(b, '"')
}

// appendTime appends t as rfc3339 formats it; the layout yields no byte
// JSON escapes.
func appendTime(b []byte, t time.Time) []byte {
	b = append(b, '"')
	b = t.UTC().AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}

// appendJSONString appends s quoted as encoding/json quotes a string by
// default: the two-character escapes for quote, backslash, \b \f \n \r \t;
// \u00XX for the other control bytes and for < > & (HTML-safe); \u2028
// and \u2029 (JavaScript line ends); \ufffd for each byte of invalid
// UTF-8.
func appendJSONString(b []byte, s string) []byte {
	return append(appendJSONText(append(b, '"'), s), '"')
}

// appendJSONText is appendJSONString without the quotes.
func appendJSONText(b []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	plain := 0 // start of the bytes not yet appended
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[plain:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, `\b`...)
			case '\f':
				b = append(b, `\f`...)
			case '\n':
				b = append(b, `\n`...)
			case '\r':
				b = append(b, `\r`...)
			case '\t':
				b = append(b, `\t`...)
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			plain = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(append(b, s[plain:i]...), `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(append(b, s[plain:i]...), '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		plain = i
	}
	return append(b, s[plain:]...)
}
