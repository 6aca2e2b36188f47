// A list that renders only the rows in view (plus a few), so that 100,000 events scroll as smoothly as
// 100. Rows have one fixed height; a spacer gives the scroll range; row elements are reused.

export interface VirtualListOptions {
  container: HTMLElement;
  rowHeight: number;
  /** Creates an empty row element once; `update` fills it for a row index. */
  createRow(): HTMLElement;
  update(element: HTMLElement, row: number): void;
  overscan?: number;
}

export class VirtualList {
  private readonly spacer: HTMLElement;
  private readonly pool: HTMLElement[] = [];
  private count = 0;
  private frame = 0;
  private readonly overscan: number;

  constructor(private readonly options: VirtualListOptions) {
    this.overscan = options.overscan ?? 8;
    this.spacer = document.createElement('div');
    this.spacer.className = 'spacer';
    this.spacer.setAttribute('aria-hidden', 'true');
    options.container.append(this.spacer);
    options.container.addEventListener('scroll', () => this.schedule(), { passive: true });
    new ResizeObserver(() => this.schedule()).observe(options.container);
  }

  get rowHeight(): number {
    return this.options.rowHeight;
  }

  setCount(count: number): void {
    this.count = count;
    this.spacer.style.height = `${count * this.options.rowHeight}px`;
    this.schedule();
  }

  /** Keeps the rows in view where they are when `added` rows appear above them. */
  shiftForInsertedAbove(added: number): void {
    if (this.options.container.scrollTop > 0) this.options.container.scrollTop += added * this.options.rowHeight;
  }

  /** Scrolls the least needed to show `row` fully. */
  reveal(row: number): void {
    const c = this.options.container;
    const top = row * this.options.rowHeight;
    const bottom = top + this.options.rowHeight;
    if (top < c.scrollTop) c.scrollTop = top;
    else if (bottom > c.scrollTop + c.clientHeight) c.scrollTop = bottom - c.clientHeight;
    this.render();
  }

  /** Rows that fit in the viewport, for Page Up/Down. */
  pageSize(): number {
    return Math.max(1, Math.floor(this.options.container.clientHeight / this.options.rowHeight) - 1);
  }

  /** Redraws the rows in view now (after their data changed). */
  render(): void {
    cancelAnimationFrame(this.frame);
    this.frame = 0;
    const { container, rowHeight } = this.options;
    const first = Math.max(0, Math.floor(container.scrollTop / rowHeight) - this.overscan);
    const last = Math.min(this.count - 1, Math.ceil((container.scrollTop + container.clientHeight) / rowHeight) + this.overscan);
    const needed = Math.max(0, last - first + 1);
    while (this.pool.length < needed) {
      const element = this.options.createRow();
      element.style.position = 'absolute';
      element.style.height = `${rowHeight}px`;
      container.append(element);
      this.pool.push(element);
    }
    for (let i = 0; i < this.pool.length; i++) {
      const element = this.pool[i];
      if (!element) continue;
      if (i < needed) {
        const row = first + i;
        element.hidden = false;
        element.style.transform = `translateY(${row * rowHeight}px)`;
        this.options.update(element, row);
      } else {
        // A spare row must not keep the identity of the record it showed last.
        element.hidden = true;
        element.removeAttribute('id');
        for (const key of Object.keys(element.dataset)) delete element.dataset[key];
      }
    }
  }

  private schedule(): void {
    if (!this.frame) this.frame = requestAnimationFrame(() => this.render());
  }
}
