package main

import (
	"context"
	"net/http"
)

// itemSample is how many of a scenario's distinct requests are asked once
// to count what they answer.
const itemSample = 100

// itemsPerResponse is the mean length of "items" in the JSON answers to
// itemSample of the distinct requests of reqs, spread evenly over them
// (many scenarios list their largest lists first: the first hundred would
// speak for those alone): how much each request returns, which differs
// between data sizes (a rare word is in 1–2 pins of 10,000 and in a full
// page of 1,000,000). 0 when the scenario's requests are not JSON lists
// (pages, writes).
func (b *bench) itemsPerResponse(ctx context.Context, reqs requests) (float64, error) {
	n := min(reqs.distinct, itemSample)
	total := 0
	for i := range n {
		r := reqs.next(uint64(i * reqs.distinct / n))
		if r.HTML || (r.Method != "" && r.Method != http.MethodGet) {
			return 0, nil
		}
		var page struct {
			Items *[]struct{} `json:"items"`
		}
		if err := b.api.Do(ctx, http.MethodGet, r.Path, r.Token, "", nil, &page); err != nil {
			return 0, err
		}
		if page.Items == nil {
			return 0, nil
		}
		total += len(*page.Items)
	}
	if n == 0 {
		return 0, nil
	}
	return float64(total) / float64(n), nil
}
