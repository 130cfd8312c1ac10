/**
 * The edge where charts meet a DOM and pixels: {@linkcode renderSvg} runs
 * Observable Plot on an injected document (a linkedom document by default, as
 * Deno and its Jupyter kernel have no DOM) and flattens Plot's figure (title,
 * HTML legends, one or more SVGs) into one standalone, deterministic SVG;
 * {@linkcode renderPng} rasterizes it with resvg; {@linkcode Chart} displays
 * inline in the Deno Jupyter kernel.
 *
 * resvg is a native addon whose loading needs `--allow-ffi`, `--allow-sys`,
 * `--allow-env` and `--allow-read`; it is imported on the first
 * {@linkcode renderPng} call, so importing this module and rendering SVG need
 * no permission at all.
 *
 * @module
 */

import * as Plot from "@observablehq/plot";
import { parseHTML } from "linkedom";
import type { PlotSpec } from "./chart_specs.ts";

/** The SVG namespace, set on the root element of every rendered SVG. */
export const SVG_NAMESPACE = "http://www.w3.org/2000/svg";

/** The XLink namespace, declared on the root when Plot wrote `xlink:` attributes. */
export const XLINK_NAMESPACE = "http://www.w3.org/1999/xlink";

/** Several specs rendered together, top to bottom: an array, or an object of named specs. */
export type ChartInput = PlotSpec | readonly PlotSpec[] | Readonly<Record<string, PlotSpec>>;

/**
 * The part of a DOM document Plot uses to build charts: `window.document` in
 * a browser, a linkedom document headless.
 */
export interface DomDocument {
  /** Creates an HTML element. */
  createElement(tagName: string): unknown;
  /** Creates an element in a namespace (SVG). */
  createElementNS(namespace: string, qualifiedName: string): unknown;
}

/** The part of a DOM element the renderer reads (Deno has no DOM types). */
interface _Element {
  readonly tagName: string;
  readonly children: Iterable<_Element>;
  readonly textContent: string | null;
  readonly innerHTML: string;
  getAttribute(name: string): string | null;
  setAttribute(name: string, value: string): void;
  getAttributeNames(): string[];
  querySelector(selector: string): _Element | null;
  querySelectorAll(selector: string): Iterable<_Element>;
  remove(): void;
}

/** Options of {@linkcode renderSvg}. */
export interface RenderSvgOptions {
  /**
   * The document Plot builds elements with.
   * @default {a linkedom document, created once on first use}
   */
  document?: DomDocument;
  /** Vertical gap between stacked specs in pixels. @default {12} */
  gapPx?: number;
}

/** Options of {@linkcode renderPng}. */
export interface RenderPngOptions {
  /** Background colour; a transparent PNG is unreadable in most viewers. @default {"white"} */
  background?: string;
  /** The colour `currentColor` (text, axes, rules) resolves to. @default {"black"} */
  color?: string;
  /** Zoom factor: a 640 px wide SVG gives a 640 * scale px wide PNG. @default {1} */
  scale?: number;
  /**
   * The font family used for text (Plot asks for "system-ui, sans-serif",
   * which resvg does not resolve to a sans-serif face on its own).
   * @default {"DejaVu Sans"}
   */
  fontFamily?: string;
  /** Extra font files to load besides the system fonts. @default {[]} */
  fontFiles?: readonly string[];
}

let _defaultDocument: DomDocument | undefined;

/** Prefix of the stand-in data URL a ramp canvas returns: its colours follow, JSON-encoded. */
const _RAMP_URL = "batch-ramp:";

/**
 * A stand-in for the 256 x 1 canvas Plot paints a continuous colour legend on
 * (linkedom has no canvas): it records the colours, and `toDataURL` hands them
 * on to the flattening, which draws them as an SVG gradient.
 */
class _RampCanvas {
  width = 0;
  height = 0;
  readonly #colors: string[] = [];

  getContext(kind: string): { fillStyle: string; fillRect(x: number): void } | null {
    if (kind !== "2d") return null;
    const colors = this.#colors;
    return {
      fillStyle: "black",
      fillRect(x: number) {
        colors[x] = this.fillStyle;
      },
    };
  }

  toDataURL(): string {
    return _RAMP_URL + encodeURIComponent(JSON.stringify(this.#colors));
  }
}

/** The document with `createElement("canvas")` answered by {@linkcode _RampCanvas}. */
function _withRampCanvas(document: DomDocument): DomDocument {
  return new Proxy(document, {
    get(target, property) {
      if (property === "createElement") {
        return (tagName: string) =>
          tagName.toLowerCase() === "canvas" ? new _RampCanvas() : target.createElement(tagName);
      }
      const value = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/** A linkedom document, created on first use and reused. */
function _document(): DomDocument {
  if (_defaultDocument === undefined) {
    const window = parseHTML("<!DOCTYPE html><html><head></head><body></body></html>");
    _defaultDocument = _withRampCanvas((window as unknown as { document: DomDocument }).document);
  }
  return _defaultDocument;
}

/**
 * The specs of a chart input, top to bottom: a spec (an object with `marks`)
 * alone, an array as is, an object of specs by its values in key order.
 *
 * @param input A spec, an array of specs or an object of named specs.
 * @returns The specs.
 * @throws {TypeError} If the input is not an object.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { specsOf } from "./render.ts";
 *
 * assert.equal(specsOf({ cost: { marks: [] }, latency: { marks: [] } }).length, 2);
 * ```
 */
export function specsOf(input: ChartInput): PlotSpec[] {
  if (Array.isArray(input)) return [...input];
  if (input === null || typeof input !== "object") {
    throw new TypeError(
      `Cannot render a chart as the input must be a Plot spec, an array or an object of specs: current value is ${
        String(input)
      }`,
    );
  }
  if ("marks" in input || !Object.values(input).every(_looksLikeSpec)) return [input as PlotSpec];
  return Object.values(input as Record<string, PlotSpec>);
}

function _looksLikeSpec(value: unknown): boolean {
  return value !== null && typeof value === "object" && "marks" in value;
}

// ---------------------------------------------------------------------------
// Flattening Plot's output into SVG blocks

/** A horizontal band of the output: SVG markup drawn from y = 0, `height` px tall. */
interface _Block {
  width: number;
  height: number;
  markup: (yPx: number) => string;
}

const _GEOMETRY_ATTRIBUTES = new Set([
  "d",
  "transform",
  "x",
  "y",
  "x1",
  "x2",
  "y1",
  "y2",
  "cx",
  "cy",
  "r",
  "width",
  "height",
  "points",
  "viewBox",
]);

function _escapeText(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

function _escapeAttribute(text: string): string {
  return _escapeText(text).replaceAll('"', "&quot;");
}

/** Rounds coordinates to 1/100 px: smaller SVGs and no float noise in the snapshots. */
function _roundNumbers(value: string): string {
  return value.replace(/-?\d*\.\d+(?:e[-+]?\d+)?/gi, (text) => {
    const rounded = Math.round(Number(text) * 100) / 100;
    return String(Object.is(rounded, -0) ? 0 : rounded);
  });
}

function _normalize(element: _Element): void {
  for (const node of [element, ...element.querySelectorAll("*")]) {
    for (const name of node.getAttributeNames()) {
      if (_GEOMETRY_ATTRIBUTES.has(name)) {
        node.setAttribute(name, _roundNumbers(node.getAttribute(name)!));
      }
    }
  }
  for (const style of [...element.querySelectorAll("style")]) style.remove();
}

function _attributes(element: _Element, skip: ReadonlySet<string>): string {
  return element.getAttributeNames()
    .filter((name) => !skip.has(name))
    .map((name) => ` ${name}="${_escapeAttribute(element.getAttribute(name)!)}"`)
    .join("");
}

const _SVG_OWN_ATTRIBUTES = new Set(["width", "height", "viewBox", "class", "style", "xmlns"]);

/** Replaces the images of {@linkcode _RampCanvas} by rectangles filled with a gradient. */
function _rampImagesToGradients(markup: string): string {
  return markup.replace(/<image\b[^>]*>(?:<\/image>)?/g, (tag) => {
    const href = /[\s:]href="([^"]*)"/.exec(tag)?.[1] ?? "";
    if (!href.startsWith(_RAMP_URL)) return tag;
    const colors = JSON.parse(decodeURIComponent(href.slice(_RAMP_URL.length))) as string[];
    const [x, y, width, height, opacity] = ["x", "y", "width", "height", "opacity"].map(
      (name) => new RegExp(`\\s${name}="([^"]*)"`).exec(tag)?.[1],
    );
    // 33 stops (every 8th of 256 colours) match the canvas to within a shade.
    const last = colors.length - 1;
    const stops = Array.from({ length: 33 }, (_, i) => Math.round((i * last) / 32))
      .map((i) => `<stop offset="${_roundNumbers(String(i / last))}" stop-color="${colors[i]}"/>`)
      .join("");
    // Named after the colours: equal ramps may share a gradient, different ones never do.
    const id = `batch-ramp-${_fnv1a(colors.join())}`;
    return `<linearGradient id="${id}">${stops}</linearGradient>` +
      `<rect x="${x}" y="${y}" width="${width}" height="${height}"` +
      `${opacity === undefined ? "" : ` opacity="${opacity}"`} fill="url(#${id})"/>`;
  });
}

/** A Plot SVG (the plot itself or a ramp legend) as a translated group. */
function _svgBlock(svg: _Element): _Block {
  _normalize(svg);
  const width = Number(svg.getAttribute("width"));
  const height = Number(svg.getAttribute("height"));
  const [vx = 0, vy = 0] = (svg.getAttribute("viewBox") ?? "0 0").split(/[\s,]+/).map(Number);
  const attributes = _attributes(svg, _SVG_OWN_ATTRIBUTES);
  const inner = _rampImagesToGradients(svg.innerHTML);
  return {
    width,
    height,
    markup: (yPx) =>
      `<g transform="translate(${_roundNumbers(String(-vx))},${
        _roundNumbers(String(yPx - vy))
      })"${attributes}>${inner}</g>`,
  };
}

/** A line of text (title, subtitle, caption). */
function _textBlock(text: string, fontSizePx: number, fontWeight: string, width: number): _Block {
  const height = Math.round(fontSizePx * 1.8);
  const weight = fontWeight === "normal" ? "" : ` font-weight="${fontWeight}"`;
  return {
    width,
    height,
    markup: (yPx) =>
      `<text x="0" y="${
        _roundNumbers(String(yPx + fontSizePx * 1.2))
      }" font-size="${fontSizePx}"${weight} text-anchor="start">${_escapeText(text)}</text>`,
  };
}

/** Width of a text in pixels, estimated: no text metrics without a layout engine. */
function _textWidthPx(text: string, fontSizePx: number): number {
  // About 0.62 em per character of a sans-serif face (DejaVu Sans averages 0.6).
  return Math.ceil(text.length * fontSizePx * 0.62);
}

/**
 * Plot's HTML swatch legend redrawn as SVG, wrapping at `width`, after the
 * colour scale's label in bold (Plot's swatches omit it).
 */
function _swatchesBlock(div: _Element, width: number, title: string | undefined): _Block {
  const fontSizePx = 10;
  const swatchPx = 15;
  const rowPx = 20;
  const items: { x: number; row: number; svg: _Element; label: string }[] = [];
  const titlePx = title === undefined ? 0 : _textWidthPx(title, fontSizePx) + 10;
  let x = titlePx;
  let row = 0;
  for (const span of div.querySelectorAll("span")) {
    const svg = span.querySelector("svg");
    if (svg === null) continue;
    const label = (span.textContent ?? "").trim();
    const itemPx = swatchPx + 5 + _textWidthPx(label, fontSizePx) + 14;
    if (x > titlePx && x + itemPx > width) {
      x = 0;
      row += 1;
    }
    _normalize(svg);
    items.push({ x, row, svg, label });
    x += itemPx;
  }
  const height = items.length === 0 ? 0 : (row + 1) * rowPx + 6;
  return {
    width,
    height,
    markup: (yPx) =>
      `<g font-size="${fontSizePx}" text-anchor="start">${
        title === undefined
          ? ""
          : `<text x="0" y="${
            _roundNumbers(String(yPx + 2 + swatchPx / 2 + 0.32 * fontSizePx))
          }" font-weight="bold">${_escapeText(title)}</text>`
      }${
        items.map(({ x, row, svg, label }) => {
          const top = yPx + 2 + row * rowPx;
          const viewBox = svg.getAttribute("viewBox");
          const paint = _attributes(svg, _SVG_OWN_ATTRIBUTES);
          let swatch: string;
          if (viewBox === null) {
            // A filled square (Plot draws <rect width="100%" height="100%">).
            swatch = `<rect x="${x}" y="${top}" width="${swatchPx}" height="${swatchPx}"${paint}/>`;
          } else {
            // A symbol in a viewBox such as "-8 -8 16 16", centred in the square.
            const [vx, vy, vw] = viewBox.split(/[\s,]+/).map(Number);
            const k = swatchPx / vw;
            swatch = `<g transform="translate(${x - vx * k},${top - vy * k}) scale(${
              _roundNumbers(String(k))
            })"${paint}>${svg.innerHTML}</g>`;
          }
          const baseline = _roundNumbers(String(top + swatchPx / 2 + 0.32 * fontSizePx));
          return `${swatch}<text x="${x + swatchPx + 5}" y="${baseline}">${
            _escapeText(label)
          }</text>`;
        }).join("")
      }</g>`,
  };
}

/** The blocks of one Plot output: a bare SVG, or a figure of titles, legends and SVGs. */
function _blocks(output: _Element, width: number, colorLabel: string | undefined): _Block[] {
  if (output.tagName.toLowerCase() === "svg") return [_svgBlock(output)];
  const blocks: _Block[] = [];
  for (const child of output.children) {
    const tag = child.tagName.toLowerCase();
    const text = (child.textContent ?? "").trim();
    if (tag === "svg") blocks.push(_svgBlock(child));
    else if (tag === "h2") blocks.push(_textBlock(text, 15, "bold", width));
    else if (tag === "h3") blocks.push(_textBlock(text, 12, "normal", width));
    else if (tag === "figcaption") blocks.push(_textBlock(text, 11, "normal", width));
    else if (tag === "div" && child.querySelector("span > svg") !== null) {
      blocks.push(_swatchesBlock(child, width, colorLabel));
    } else if (tag === "div" && child.querySelector("svg") !== null) {
      for (const svg of child.querySelectorAll("svg")) blocks.push(_svgBlock(svg));
    } else if (text !== "") blocks.push(_textBlock(text, 10, "normal", width));
  }
  return blocks;
}

/** FNV-1a, 32 bits: a short, stable digest of the chart for its element ids. */
function _fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, "0");
}

/**
 * Renames element ids (Plot numbers clip paths and markers with a counter
 * global to the process) after a digest of the chart, so the same chart gets
 * the same ids in every run and different charts on one page do not collide.
 */
function _stableIds(svg: string): string {
  const ids = [...new Set([...svg.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]))];
  if (ids.length === 0) return svg;
  let out = svg;
  ids.forEach((id, n) => {
    const pattern = new RegExp(`(["(#])${id.replace(/[.*+?^${}()|[\]\\-]/g, "\\$&")}(?=[")])`, "g");
    out = out.replace(pattern, `$1\uE000${n}\uE000`);
  });
  const digest = _fnv1a(out);
  return out.replace(/\uE000(\d+)\uE000/g, (_, n) => `batch-${digest}-${n}`);
}

/**
 * Renders one Plot spec, or several stacked top to bottom, to a standalone SVG
 * string: `xmlns` set, Plot's HTML legends and titles redrawn as SVG, no
 * stylesheets, coordinates rounded to 1/100 px and ids derived from the
 * content, so the same input gives the same bytes in every run. Text, axes
 * and rules stay `currentColor` and there is no background.
 *
 * @param input A spec, an array of specs or an object of named specs (e.g. `{cost, latency}`).
 * @param options The document (linkedom by default) and the gap between stacked specs.
 * @returns The SVG markup, starting with `<svg xmlns="http://www.w3.org/2000/svg"`.
 * @throws {TypeError} If the input is not a spec, an array or an object of specs.
 * @throws {RangeError} If `gapPx` is negative.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as Plot from "@observablehq/plot";
 * import { renderSvg } from "./render.ts";
 *
 * const svg = renderSvg({ width: 200, height: 100, marks: [Plot.ruleY([0])] });
 * assert.ok(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"'));
 * ```
 */
export function renderSvg(input: ChartInput, options: RenderSvgOptions = {}): string {
  const { gapPx = 12 } = options;
  if (!(gapPx >= 0)) {
    throw new RangeError(
      `Cannot render a chart as 'gapPx' must be a non-negative number: current value is ${gapPx}`,
    );
  }
  const document = options.document ?? _document();
  const blocks: _Block[] = [];
  const gaps: number[] = [];
  for (const spec of specsOf(input)) {
    const output = Plot.plot({ ...spec, document } as PlotSpec) as unknown as _Element;
    const width = spec.width ?? 640;
    if (blocks.length > 0) gaps[blocks.length] = gapPx;
    const colorLabel = typeof spec.color?.label === "string" ? spec.color.label : undefined;
    blocks.push(..._blocks(output, width, colorLabel));
  }
  const width = Math.ceil(Math.max(0, ...blocks.map((b) => b.width)));
  let y = 0;
  const parts = blocks.map((block, i) => {
    y += gaps[i] ?? 0;
    const markup = block.markup(y);
    y += block.height;
    return markup;
  });
  const height = Math.ceil(y);
  const body = parts.join("");
  // Plot writes xlink:href on images (a browser document's ramp legends): declare the prefix.
  const xlink = body.includes("xlink:") ? ` xmlns:xlink="${XLINK_NAMESPACE}"` : "";
  const svg = `<svg xmlns="${SVG_NAMESPACE}"${xlink} width="${width}" height="${height}" ` +
    `viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="10" ` +
    `fill="currentColor" style="max-width: 100%; height: auto;">${body}</svg>`;
  return _stableIds(svg);
}

/**
 * Width and height of an SVG's root element in pixels.
 *
 * @param svg SVG markup whose root has numeric `width` and `height`.
 * @returns The size.
 * @throws {TypeError} If there is no root `<svg>` with a positive width and height.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { svgSize } from "./render.ts";
 *
 * assert.deepEqual(svgSize('<svg width="640" height="400"></svg>'), { width: 640, height: 400 });
 * ```
 */
export function svgSize(svg: string): { width: number; height: number } {
  const root = /<svg\b[^>]*>/.exec(svg)?.[0];
  const width = Number(/\swidth="([\d.]+)"/.exec(root ?? "")?.[1]);
  const height = Number(/\sheight="([\d.]+)"/.exec(root ?? "")?.[1]);
  if (root === undefined || !(width > 0) || !(height > 0)) {
    throw new TypeError(
      `Cannot read the size of the SVG as its root must be an <svg> with positive width and height: current start is ${
        JSON.stringify(svg.slice(0, 60))
      }`,
    );
  }
  return { width, height };
}

let _resvg: Promise<typeof import("@resvg/resvg-js")> | undefined;

/** resvg-js, imported on first use (see the module doc for the permissions it needs). */
function _loadResvg(): Promise<typeof import("@resvg/resvg-js")> {
  _resvg ??= import("@resvg/resvg-js");
  return _resvg;
}

/**
 * Rasterizes an SVG (from {@linkcode renderSvg}) to a PNG with resvg, on an
 * opaque background, `currentColor` resolved to `color`. Asynchronous only
 * because resvg is imported on the first call.
 *
 * @param svg SVG markup with `xmlns`, width and height on the root element.
 * @param options Background, text colour, zoom factor and fonts.
 * @returns The PNG file's bytes.
 * @throws {TypeError} If `svg` is not an SVG document (the promise rejects).
 * @throws {RangeError} If `scale` is not a positive number (the promise rejects).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as Plot from "@observablehq/plot";
 * import { renderPng, renderSvg } from "./render.ts";
 *
 * const png = await renderPng(renderSvg({ width: 200, height: 100, marks: [Plot.ruleY([0])] }));
 * assert.equal(new TextDecoder().decode(png.subarray(1, 4)), "PNG"); // the PNG signature
 * ```
 */
export async function renderPng(svg: string, options: RenderPngOptions = {}): Promise<Uint8Array> {
  const {
    background = "white",
    color = "black",
    scale = 1,
    fontFamily = "DejaVu Sans",
    fontFiles = [],
  } = options;
  if (typeof svg !== "string" || !/^\s*(<\?xml[^>]*>\s*)?<svg\b/.test(svg)) {
    throw new TypeError(
      `Cannot render a PNG as 'svg' must be SVG markup starting with <svg: current start is ${
        JSON.stringify(String(svg).slice(0, 40))
      }`,
    );
  }
  if (!(scale > 0) || !Number.isFinite(scale)) {
    throw new RangeError(
      `Cannot render a PNG as 'scale' must be a positive number: current value is ${scale}`,
    );
  }
  const { Resvg } = await _loadResvg();
  const colored = svg.replace(/<svg\b/, `<svg color="${_escapeAttribute(color)}"`);
  const resvg = new Resvg(colored, {
    background,
    fitTo: { mode: "zoom", value: scale },
    font: {
      loadSystemFonts: true,
      fontFiles: [...fontFiles],
      defaultFontFamily: fontFamily,
      sansSerifFamily: fontFamily,
    },
  });
  return new Uint8Array(resvg.render().asPng());
}

// ---------------------------------------------------------------------------
// Notebook display

/**
 * The method key the Deno Jupyter kernel looks for on a displayed value:
 * `Symbol.for("Jupyter.display")` (typed as a unique symbol so objects can be
 * indexed with it).
 */
export const JUPYTER_DISPLAY: unique symbol = Symbol.for("Jupyter.display") as never;

/** Options of {@linkcode Chart}. */
export interface ChartOptions extends RenderSvgOptions {
  /** The one-line text shown where images cannot be. @default {the title and size of the chart} */
  description?: string;
}

/**
 * One or more chart specs that display inline in the Deno Jupyter kernel
 * (`[Symbol.for("Jupyter.display")]`, {@linkcode JUPYTER_DISPLAY}) and render
 * to SVG or PNG on demand.
 * The SVG is rendered once and cached.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as Plot from "@observablehq/plot";
 * import { Chart } from "./render.ts";
 *
 * const chart = new Chart({ width: 200, height: 100, title: "Nothing", marks: [Plot.ruleY([0])] });
 * assert.equal(chart.description, 'Chart "Nothing": 1 panel, 200×127 px');
 * ```
 */
export class Chart {
  /** The specs, top to bottom. */
  readonly specs: readonly PlotSpec[];
  #options: ChartOptions;
  #svg: string | undefined;

  /**
   * @param input A spec, an array of specs or an object of named specs (e.g. `{cost, latency}`).
   * @param options A description, the document, the gap between specs.
   * @throws {TypeError} If the input is not a spec, an array or an object of specs.
   */
  constructor(input: ChartInput, options: ChartOptions = {}) {
    this.specs = specsOf(input);
    this.#options = options;
  }

  /** The chart as a standalone SVG string (see {@linkcode renderSvg}). */
  toSvg(): string {
    this.#svg ??= renderSvg(this.specs, this.#options);
    return this.#svg;
  }

  /**
   * The chart as PNG bytes (see {@linkcode renderPng}).
   *
   * @param options Background, text colour, zoom factor and fonts.
   * @returns The PNG file's bytes.
   */
  toPng(options: RenderPngOptions = {}): Promise<Uint8Array> {
    return renderPng(this.toSvg(), options);
  }

  /** One line: the title (if any), the number of panels and the size. */
  get description(): string {
    if (this.#options.description !== undefined) return this.#options.description;
    const title = this.specs.map((s) => s.title).find((t) => typeof t === "string");
    const { width, height } = svgSize(this.toSvg());
    const panels = `${this.specs.length} panel${this.specs.length === 1 ? "" : "s"}`;
    return `Chart${
      title === undefined ? "" : ` ${JSON.stringify(title)}`
    }: ${panels}, ${width}×${height} px`;
  }

  /**
   * The MIME bundle the Deno Jupyter kernel displays: the SVG as
   * "image/svg+xml", the same SVG inline in "text/html" (front ends that show
   * SVG through an `<img>` resolve `currentColor` to black, while inline SVG
   * takes the notebook theme's text colour, so it reads in dark themes too),
   * and the description as "text/plain".
   *
   * @returns The MIME bundle.
   */
  [JUPYTER_DISPLAY](): Record<string, string> {
    const svg = this.toSvg();
    return {
      "text/html": `<div class="batch-chart">${svg}</div>`,
      "image/svg+xml": svg,
      "text/plain": this.description,
    };
  }
}
