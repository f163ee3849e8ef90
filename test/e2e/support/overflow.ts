// Horizontal overflow for the experience audit: whether the page scrolls sideways, and which
// visible elements stick out of the viewport (the widest first), so a failure names what to fix.
import type { Page } from 'playwright-core';
import type { PageElement, PageGlobals, PageRect } from './in-page';

export interface Overflowing {
  /** tag#id.classes[data-testid] */
  element: string;
  /** Its opening tag, shortened. */
  html: string;
  width: number;
  /** How many pixels it reaches past the viewport's right and left edges. */
  beyondRight: number;
  beyondLeft: number;
}

export interface OverflowReport {
  viewportWidth: number;
  /** document scroll width − viewport width: > 0 means the page scrolls sideways. */
  scrollOverflow: number;
  /** Outermost visible elements that reach outside the viewport and are not inside a scroller. */
  elements: Overflowing[];
}

/** Tolerance for sub-pixel rounding. */
const SLACK = 1;

/**
 * Measures the page as it is now against the width of the device. (A phone widens its layout
 * viewport to fit content that is too wide and zooms out, so the page's own clientWidth would hide
 * the overflow: the device's width is what the page had to fit.)
 */
export function measureOverflow(page: Page, deviceWidth: number): Promise<OverflowReport> {
  return page.evaluate(({ slack, deviceWidth }) => {
    const { document, getComputedStyle } = globalThis as unknown as PageGlobals;
    const root = document.documentElement;
    // A desktop's vertical scroll bar takes its share of the width.
    const viewportWidth = Math.min(root.clientWidth, deviceWidth);
    const scrollOverflow = Math.max(root.scrollWidth, document.body.scrollWidth) - viewportWidth;

    const describe = (el: PageElement) => {
      const id = el.id ? `#${el.id}` : '';
      const classes = [...el.classList].map((c) => `.${c}`).join('');
      const testid = el.getAttribute('data-testid');
      return `${el.tagName.toLowerCase()}${id}${classes}${testid ? `[data-testid="${testid}"]` : ''}`;
    };
    // An element inside a box that scrolls or clips sideways (other than the page itself) is
    // reachable, or deliberately hidden: not an overflow of the page.
    const contained = (el: PageElement) => {
      for (let p = el.parentElement; p && p !== document.body && p !== root; p = p.parentElement) {
        const x = getComputedStyle(p).overflowX;
        if (x === 'auto' || x === 'scroll' || x === 'hidden' || x === 'clip') return true;
      }
      return false;
    };
    const visible = (el: PageElement, rect: PageRect) => {
      if (rect.width < 2 || rect.height < 2) return false;
      const style = getComputedStyle(el);
      return style.visibility !== 'hidden' && Number(style.opacity) > 0 && style.position !== 'fixed';
    };

    const out = new Set<PageElement>();
    const found: { el: PageElement; width: number; beyondRight: number; beyondLeft: number }[] = [];
    for (const el of document.body.querySelectorAll('*')) {
      const rect = el.getBoundingClientRect();
      const beyondRight = Math.round(rect.right - viewportWidth);
      const beyondLeft = Math.round(-rect.left);
      if ((beyondRight <= slack && beyondLeft <= slack) || !visible(el, rect) || contained(el)) continue;
      out.add(el);
      // Only the outermost: its children overflow because it does.
      if (el.parentElement && out.has(el.parentElement)) continue;
      found.push({ el, width: Math.round(rect.width), beyondRight: Math.max(0, beyondRight), beyondLeft: Math.max(0, beyondLeft) });
    }
    found.sort((a, b) => Math.max(b.beyondRight, b.beyondLeft) - Math.max(a.beyondRight, a.beyondLeft) || b.width - a.width);
    return {
      viewportWidth,
      scrollOverflow,
      elements: found.slice(0, 5).map(({ el, width, beyondRight, beyondLeft }) => ({
        element: describe(el),
        html: el.outerHTML.slice(0, el.outerHTML.indexOf('>') + 1).slice(0, 200),
        width,
        beyondRight,
        beyondLeft,
      })),
    };
  }, { slack: SLACK, deviceWidth });
}

/** Whether the page overflows sideways. */
export function overflows(report: OverflowReport): boolean {
  return report.scrollOverflow > SLACK || report.elements.length > 0;
}
