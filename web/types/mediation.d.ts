// mediation.d.ts — the public API of dist/mediation.js, the page's classic script
// (window.mediation: PageMediation), and the types dist/mediation.d.mts builds on for
// the Node module (NodeMediation). docs/auction.md and docs/runtime.md.

export type Source = 'mediated' | 'rtb';
export type Outcome = 'filled' | 'no_fill' | 'error' | 'timeout' | 'late';
export type MediatedReason =
  'inactive' | 'flight' | 'targeting' | 'size' | 'floor' | 'below_rtb' | 'depth' | 'budget' | 'consent' | 'not_worth';

/** With config `optimize` and `explain`: how the planner saw a mediated bid (docs/auction.md §5.1). */
export interface PlanView {
  /** What one counted fill pays, in the config currency per 1000. */
  value: number;
  value_from: 'reports' | 'cpm' | 'reports_and_cpm';
  /** Chance of a fill at all, and within `timeout_ms`. */
  fill: number;
  p: number;
  timeout_ms: number;
  /** Tried first by an exploring auction. */
  explored?: true;
}

/** A waterfall entry for a mediated bid: load `tag` in a sandboxed frame. */
export interface MediatedEntry {
  source: 'mediated';
  /** Set by the ad server: its signature of the entry, sent back in beacons. */
  token?: string;
  bid: string;
  network: string;
  /** CPM in the config currency. */
  price: number;
  timeout_ms: number;
  w: number;
  h: number;
  /** The network's ad tag, macros substituted. */
  tag: string;
  plan?: PlanView;
}

/** The RTB fallback: a sure fill. `price` is the clearing price in the config currency. */
export interface RtbEntry {
  source: 'rtb';
  /** Set by the ad server: its signature of the entry, sent back in beacons. */
  token?: string;
  bid: string;
  seat?: string;
  price: number;
  bid_price: number;
  /** The bid's own currency and clearing price in it, when it differs from the config's. */
  cur?: string;
  cur_price?: number;
  w?: number;
  h?: number;
  adm?: string;
  nurl?: string;
  burl?: string;
  crid?: string;
  dealid?: string;
  adomain?: string[];
}

export type WaterfallEntry = MediatedEntry | RtbEntry;

export type Rejection =
  | {
      source: 'mediated';
      bid: string;
      network: string;
      price: number;
      reason: MediatedReason;
      detail?: string;
      plan?: PlanView;
    }
  | { source: 'rtb'; bid: string | null; seat?: string; impid?: string; reason: number; lurl?: string }
  | { source: 'rtb'; response: number; reason: number; message: string };

export interface AuctionOutput {
  id: string;
  cur: string;
  /** `expected_cpm`: with `optimize` and `explain`, the planned waterfall's expected revenue per 1000. */
  imps: { impid: string; waterfall: WaterfallEntry[]; rejected: Rejection[]; expected_cpm?: number }[];
  /** Bids that name no imp of the request, and responses that could not be read. */
  rejected?: Rejection[];
}

export interface Figures {
  attempts: number;
  fills: number;
  fill_rate: number | null;
  no_fills: number;
  timeouts: number;
  errors: number;
  late: number;
  latency_p50: number | null;
  latency_p95: number | null;
  /** Estimated: CPM / 1000 per fill. */
  revenue: number;
  /** Revenue per 1000 attempts. */
  ecpm: number | null;
}

export interface Report {
  totals: Figures;
  networks: (Figures & { network: string })[];
  bids: (Figures & { bid: string; source: string; network: string })[];
  series: (Figures & { t: number; network: string })[];
}

/** A config loaded into the engine once; pass it as `config` to auction(). */
export interface ConfigHandle {
  readonly id: number;
  /** Frees it now (otherwise it is freed when garbage-collected). */
  release(): void;
  /** The engine memory it holds in bytes (its text and what was read from it); 0 once released. */
  memoryBytes(): number;
}

type Json = string | object;

export interface AuctionInput {
  /** A loaded config, or the config itself (docs/config.md), as an object or JSON text. */
  config: ConfigHandle | Json;
  /** An OpenRTB 2.6 BidRequest, as an object or JSON text. */
  request: Json;
  /** OpenRTB 2.6 BidResponses, each an object or JSON text. */
  bids?: Json[];
  /** RFC 3339; defaults to the host's clock. */
  now?: string;
  /** Also list the mediated bids ruled out before the auction, with why. */
  explain?: boolean;
}

/**
 * Thrown for a bad document (config, request, bids, attempts) or an engine state that
 * forbids the call (`not_ready`, `out_of_memory`, `unknown_config`): `code` is stable,
 * `at` is a JSON path or a byte offset. Arguments of the wrong kind to a JS function
 * (an unknown event or option, a slot that is no element) throw a TypeError instead.
 */
export class MediationError extends Error {
  readonly code: string;
  readonly at: string;
}

export interface Attempt {
  bid: string;
  network: string | null;
  position: number;
  outcome: Exclude<Outcome, 'late'>;
  latency_ms: number;
}

export interface RenderOutcome {
  impid: string | null;
  filled: boolean;
  by: { source: Source; bid: string; network: string | null } | null;
  attempts: Attempt[];
  /** The slot was rendered again or cleared before this waterfall ended. */
  cancelled?: boolean;
  /** The result could not be had (an ad server that failed, bad input). */
  error?: string;
}

/** What every event about one bid carries; also the body of each beacon. */
export interface AttemptRecord {
  auction_id: string;
  imp_id: string;
  /** Unique per render() call: a beacon's key together with position and outcome. */
  render_id: string;
  bid: string;
  network: string | null;
  source: Source;
  position: number;
  outcome?: Outcome;
  latency_ms?: number;
  price?: number;
  /** The output's currency, in beacons. */
  cur?: string;
  /** The ad server's signature of the entry, in beacons, when it signed one. */
  token?: string;
  /** Uncaught errors in the entry's frame, whatever the outcome (records only). */
  errors?: number;
}

export interface EventMap {
  auctionInit: { auction_id: string; imp_id: string; render_id: string; slot: Element; waterfall: WaterfallEntry[] };
  bidRequested: AttemptRecord;
  bidResponse: AttemptRecord;
  noBid: AttemptRecord;
  bidTimeout: AttemptRecord;
  bidLate: AttemptRecord;
  bidWon: AttemptRecord;
  adRenderSucceeded: AttemptRecord;
  adRenderFailed: AttemptRecord;
  auctionEnd: RenderOutcome & { auction_id: string | null; imp_id: string | null; render_id: string };
}

export interface Settings {
  /** Receives a beacon per attempt (JSON text: a page's beacons as one array when they go together, one alone as an object). */
  reportUrl?: string | null;
  /** How long a timed-out frame is kept to hear a late fill (default: three times its timeout, 1 to 10 s). */
  lateWindowMs?: number | null;
  /** How long the RTB creative may take to load (default 5000). */
  renderTimeoutMs?: number;
  /**
   * The tag host page (dist/frame.html served from another site than the page), or
   * several on distinct sites: tags keep their own origin, cookies and storage there, and
   * a tag that hangs cannot stall frames of the other sites. null: srcdoc frames.
   */
  tagHost?: string | string[] | null;
  /** Lets an ad navigate the page on a click (default false: ad links open a new tab). */
  allowTopNavigation?: boolean;
  /** How long an auction waits for the page's CMP (__tcfapi, __gpp, __uspapi); default 1000. */
  consentTimeoutMs?: number;
  /** Where dist/mediation-auction.js is (default: beside mediation.js); null restores the default. */
  auctionUrl?: string | null;
}

export interface RenderOptions {
  /** Which imp of the result; the first by default. */
  impid?: string;
  /** Leave an empty slot at its size instead of hiding it. */
  collapse?: boolean;
  /** Total time for the mediated attempts (default: the sum of their timeouts). */
  budgetMs?: number;
}

export type RenderResult = AuctionOutput | { endpoint: string; request: Json } | AuctionInput;

/** The bounds the engine enforces (c_src/bounds.h); beacons and settings are held to them. */
export interface Limits {
  readonly maxWaterfall: number;
  readonly maxEntries: number;
  readonly maxPosition: number;
  readonly maxTimeoutMs: number;
  readonly lateWindowPerTimeout: number;
  readonly lateWindowMinMs: number;
  readonly lateWindowMaxMs: number;
  readonly maxLatencyMs: number;
  /** The largest CPM the engine holds (money is kept in micro-units). */
  readonly maxCpm: number;
}

/** What the page script and the Node module both carry: the auction engine (in the page, fetched on demand). */
export interface Mediation {
  readonly version: string;
  readonly limits: Limits;
  /** Resolves when the engine is loaded (in the page: the runtime and its waterfall engine). */
  readonly ready: Promise<void>;
  /**
   * Resolves when the auction engine is loaded: at once in Node; in the page, reading it
   * fetches dist/mediation-auction.js (once). loadConfig, auction and auctionJSON throw
   * `not_ready` before; render with a config waits for it itself.
   */
  readonly auctionReady: Promise<void>;
  loadConfig(config: Json): ConfigHandle;
  auction(input: AuctionInput | string, config?: ConfigHandle): AuctionOutput;
  /** The same, as JSON text (no parse): for servers that pass it on. */
  auctionJSON(input: AuctionInput | string, config?: ConfigHandle): string;
  /** Bytes of Wasm memory in use. */
  memoryBytes(): number;
  readonly MediationError: typeof MediationError;
}

export type AttemptsInput = { attempts: Partial<AttemptRecord & { ts: number }>[]; bucket_ms?: number } | string;

/** A network's report CSV as the engine reads it (c_src/reports.h). */
export interface ImportedReport {
  rows: {
    line: number;
    date: string;
    network: string;
    bid: string;
    impressions: number;
    revenue: number;
    currency: string;
  }[];
  /** The first 1 000 problems, each with its line (1 is the header) and column. */
  errors: { line: number; column: string; message: string }[];
  error_count: number;
}

/** Counted fills against the networks' reports, and suggested CPMs (c_src/suggest.h). */
export interface SuggestInput {
  today: string;
  bids: { bid: string; network: string; cpm: number }[];
  fills: { date: string; network: string; bid: string; fills: number }[];
  reports: { date: string; network: string; bid: string; impressions: number; revenue: number }[];
}
export interface SuggestOutput {
  discrepancy: {
    date: string;
    network: string;
    bid: string;
    fills: number;
    impressions: number;
    discrepancy: number | null;
    realised_ecpm: number | null;
    entered_cpm: number | null;
  }[];
  suggestions: {
    bid: string;
    network: string;
    entered_cpm: number;
    suggested_cpm: number | null;
    confidence: number;
    impressions: number;
    days: number;
    note: string;
  }[];
}

/** dist/mediation.mjs, for Node hosts: the engine and the statistics. */
export interface NodeMediation extends Mediation {
  /** Statistics per network, per bid and over time, from reported attempts (the report's numbers). */
  report(input: AttemptsInput): Report;
  reportJSON(input: AttemptsInput): string;
  /** Reads a network's report CSV: its rows, and every bad row with its line. */
  importReport(csv: string): ImportedReport;
  /** Discrepancy and suggested CPMs with their confidence. */
  suggest(input: SuggestInput | string): SuggestOutput;
}

/** dist/mediation.js, for pages (window.mediation): the engine and the waterfall runtime. */
export interface PageMediation extends Mediation {
  /** The event names, in the order a waterfall may emit them (Prebid.js's names where they fit). */
  readonly events: readonly (keyof EventMap)[];
  /** Runs the slot's waterfall; resolves when an ad shows or none can. */
  render(slot: Element | string, result: RenderResult, options?: RenderOptions): Promise<RenderOutcome>;
  /** Stops the slot's waterfall and removes its frames. */
  clear(slot: Element | string): void;
  on<K extends keyof EventMap>(event: K, handler: (data: EventMap[K]) => void): void;
  off<K extends keyof EventMap>(event: K, handler: (data: EventMap[K]) => void): void;
  setConfig(settings: Settings): void;
  /** What the runtime holds now: running waterfalls, tag frames, its window listener. */
  stats(): { runs: number; frames: number; listening: boolean };
}

declare global {
  interface Window {
    mediation: PageMediation;
  }
}
