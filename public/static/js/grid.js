// The masonry grid: every card spans grid rows in proportion to its
// height, which its image's width and height attributes fix before the
// image loads, so nothing moves. More pages come from the JSON API by
// cursor; new pins announced live wait behind a banner. Cards added here
// are the server's card template, filled (see fromTemplate).

import { el, fromTemplate, tn } from './util.js';

const ROW = 4; // px, grid-auto-rows in site.css

function gap(grid) {
  return parseFloat(getComputedStyle(grid).columnGap) || 16;
}

/** layout sizes every card of grid (or only cards, when given). */
export function layout(grid, cards = grid.querySelectorAll('.card')) {
  const g = gap(grid);
  for (const card of cards) {
    card.style.gridRowEnd = `span ${Math.ceil((card.getBoundingClientRect().height + g) / ROW)}`;
  }
}

/** card is the page's card template filled with a pin's JSON. */
export function card(p) {
  return fromTemplate('card-template', {
    id: p.id, title: p.title, thumb: p.thumb_url, detail: p.image_url, width: p.width, height: p.height,
    author: p.author.id, nickname: p.author.nickname, avatar: p.author.avatar_url, likes: p.like_count,
  });
}

/** initGrid turns on masonry, infinite scroll and the new-pins banner. */
export function initGrid(grid) {
  grid.classList.add('masonry');
  layout(grid);
  let timer;
  addEventListener('resize', () => { clearTimeout(timer); timer = setTimeout(() => layout(grid), 100); });

  const more = document.querySelector('[data-more]')?.parentElement;
  const source = grid.dataset.source;
  if (more && source) {
    more.hidden = true; // the script loads further pages itself
    const sentinel = el('div', { 'aria-hidden': 'true' });
    grid.after(sentinel);
    let busy = false;
    const io = new IntersectionObserver(async (entries) => {
      if (busy || !entries.some((e) => e.isIntersecting) || !grid.dataset.next) return;
      busy = true;
      try {
        const url = new URL(source, location.href);
        url.searchParams.set('cursor', grid.dataset.next);
        const res = await fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
        if (!res.ok) throw new Error(res.statusText);
        const page = await res.json();
        append(grid, page.items);
        grid.dataset.next = page.next_cursor ?? '';
        if (!page.next_cursor) io.disconnect();
      } catch {
        more.hidden = false; // fall back to the link
        io.disconnect();
      } finally {
        busy = false;
      }
    }, { rootMargin: '800px' });
    io.observe(sentinel);
  }
}

/** append adds pins not yet shown at the end of grid. */
export function append(grid, pins) {
  const cards = pins.filter((p) => !grid.querySelector(`[data-pin="${p.id}"]`)).map(card).filter(Boolean);
  grid.append(...cards);
  layout(grid, cards);
}

/** newPinsBanner collects live pins and shows them on request. */
export function newPinsBanner(grid) {
  const banner = document.querySelector('[data-newpins]');
  const waiting = [];
  if (banner) {
    banner.addEventListener('click', () => {
      const cards = waiting.splice(0).filter((p) => !grid.querySelector(`[data-pin="${p.id}"]`)).map(card).filter(Boolean);
      grid.prepend(...cards);
      layout(grid, cards);
      banner.hidden = true;
      scrollTo({ top: 0 });
      cards[0]?.querySelector('a')?.focus();
    });
  }
  return (pin) => {
    if (!banner || waiting.some((p) => p.id === pin.id)) return;
    waiting.unshift(pin);
    banner.textContent = tn('newpins', waiting.length);
    banner.hidden = false;
  };
}
