// The few browser APIs the audit's page.evaluate callbacks use. The test project compiles without
// the DOM library (server code must not see `document`), so a callback reads them from globalThis:
//   const { document, getComputedStyle } = globalThis as unknown as PageGlobals;
// Only types: a callback is sent to the page as its source text and cannot close over values.

export interface PageRect {
  left: number;
  right: number;
  width: number;
  height: number;
}

export interface PageElement {
  tagName: string;
  id: string;
  classList: Iterable<string>;
  outerHTML: string;
  innerText: string;
  scrollWidth: number;
  clientWidth: number;
  parentElement: PageElement | null;
  getAttribute(name: string): string | null;
  getBoundingClientRect(): PageRect;
  querySelectorAll(selectors: string): Iterable<PageElement> & { length: number };
  querySelector(selectors: string): PageElement | null;
  insertAdjacentHTML(position: 'beforebegin' | 'afterbegin' | 'beforeend' | 'afterend', html: string): void;
}

export interface PageGlobals {
  document: {
    title: string;
    documentElement: PageElement & { lang: string; dir: string };
    body: PageElement;
    fonts: { ready: Promise<unknown> };
    querySelectorAll(selectors: string): Iterable<PageElement> & { length: number };
    querySelector(selectors: string): PageElement | null;
  };
  getComputedStyle(element: PageElement): { overflowX: string; visibility: string; opacity: string; position: string };
}
