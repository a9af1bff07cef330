package main

import (
	"math/rand/v2"
	"slices"
	"strings"
	"unicode/utf8"
)

// The text of pins and comments is drawn from one vocabulary with Zipf word
// frequencies, like natural language: a few words appear in most pins (a
// search for them matches a large share of the data set), the long tail in
// a handful. The vocabulary does not depend on the seed, so the same word
// has the same rank in every data set.

// vocabSize is large enough that, even at a million pins, the tail words
// occur in fewer pins than one page holds: true "rare" searches.
const vocabSize = 50_000

// wordSkew is the Zipf exponent of word frequencies (natural language is
// close to 1; math/rand/v2 needs > 1).
const wordSkew = 1.1

// realWords take the top ranks so that the grid reads like something. The
// Hangul ones sit among them so that common Hangul searches exist; the
// generated tail has Hangul words too, for rare ones.
var realWords = []string{
	"sunset", "coffee", "garden", "여행", "ocean", "winter", "design", "recipe",
	"바다", "travel", "city", "mountain", "flower", "커피", "light", "home",
	"summer", "street", "고양이", "autumn", "forest", "river", "vintage", "kitchen",
	"하늘", "bread", "night", "beach", "morning", "music", "꽃", "painting",
	"book", "rain", "사진", "market", "window", "lake", "cake", "음식",
	"bridge", "snow", "가을", "lantern", "harbor", "겨울", "meadow", "studio",
}

// Syllables of the generated Latin words.
var (
	consonants = []string{"b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z"}
	vowels     = []string{"a", "e", "i", "o", "u"}
)

// vocabulary is the word of each rank, rank 0 the most frequent.
type vocabulary []string

// newVocabulary returns the fixed vocabulary: realWords, then generated
// words of two or three syllables, every tenth of them Hangul.
func newVocabulary() vocabulary {
	words := make([]string, 0, vocabSize)
	seen := make(map[string]bool, vocabSize)
	add := func(w string) {
		if !seen[w] {
			seen[w] = true
			words = append(words, w)
		}
	}
	for _, w := range realWords {
		add(w)
	}
	r := rand.New(rand.NewPCG(0x766f636162, 1)) // fixed: not the data set's seed
	for len(words) < vocabSize {
		if len(words)%10 == 0 {
			add(hangulWord(r))
			continue
		}
		var b strings.Builder
		for range 2 + r.IntN(2) {
			b.WriteString(consonants[r.IntN(len(consonants))])
			b.WriteString(vowels[r.IntN(len(vowels))])
		}
		add(b.String())
	}
	return words
}

// hangulWord composes two or three open syllables (initial + medial, no
// final consonant) from the Hangul syllables block.
func hangulWord(r *rand.Rand) string {
	const base, initials, medials, finals = 0xAC00, 19, 21, 28
	var b strings.Builder
	for range 2 + r.IntN(2) {
		b.WriteRune(rune(base + (r.IntN(initials)*medials+r.IntN(medials))*finals))
	}
	return b.String()
}

// prefixFree reports, for each rank, whether the word is not the start of
// another word: searching for such a word matches only pins that contain
// it, which is what a "rare word" search needs.
func (v vocabulary) prefixFree() []bool {
	order := make([]int, len(v))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return strings.Compare(v[a], v[b]) })
	free := make([]bool, len(v))
	for k, rank := range order {
		// In sorted order, a word is a prefix of some other word exactly
		// when it is a prefix of the next one.
		free[rank] = k+1 == len(order) || !strings.HasPrefix(v[order[k+1]], v[rank])
	}
	return free
}

// writer draws words by Zipf frequency and counts, per rank, how many
// texts (pins) contain the word.
type writer struct {
	vocab vocabulary
	zipf  *rand.Zipf
	r     *rand.Rand
	// pinsWith[rank] counts pins containing the word; stamp[rank] is the
	// pin that last counted it, so a word repeated in one pin counts once.
	pinsWith []int32
	stamp    []int32
	current  int32
}

func newWriter(vocab vocabulary, r *rand.Rand) *writer {
	return &writer{
		vocab:    vocab,
		zipf:     rand.NewZipf(r, wordSkew, 1, uint64(len(vocab)-1)),
		r:        r,
		pinsWith: make([]int32, len(vocab)),
		stamp:    make([]int32, len(vocab)),
	}
}

// startPin begins counting the words of pin i (words drawn outside a pin,
// for comments, are not counted).
func (w *writer) startPin(i int) { w.current = int32(i) + 1 }

func (w *writer) endPin() { w.current = 0 }

func (w *writer) word() string {
	rank := w.zipf.Uint64()
	if w.current != 0 && w.stamp[rank] != w.current {
		w.stamp[rank] = w.current
		w.pinsWith[rank]++
	}
	return w.vocab[rank]
}

// title is 2–5 words, the first capitalised, at most maxRunes runes.
func (w *writer) title(maxRunes int) string {
	var b strings.Builder
	n := 2 + w.r.IntN(4)
	for k := range n {
		word := w.word()
		if k == 0 {
			word = capitalize(word)
		}
		if k > 0 && utf8.RuneCountInString(b.String())+1+utf8.RuneCountInString(word) > maxRunes {
			break
		}
		if k > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(word)
	}
	return b.String()
}

// text is between min and max words in sentences of 4–12 words.
func (w *writer) text(minWords, maxWords int) string {
	var b strings.Builder
	n := minWords + w.r.IntN(maxWords-minWords+1)
	sentence := 0
	for k := range n {
		word := w.word()
		if sentence == 0 {
			if k > 0 {
				b.WriteString(". ")
			}
			word = capitalize(word)
			sentence = 4 + w.r.IntN(9)
		} else {
			b.WriteByte(' ')
		}
		b.WriteString(word)
		sentence--
	}
	b.WriteByte('.')
	return b.String()
}

// capitalize upper-cases an ASCII first letter (Hangul has no case).
func capitalize(s string) string {
	if s != "" && s[0] >= 'a' && s[0] <= 'z' {
		return string(s[0]-'a'+'A') + s[1:]
	}
	return s
}
