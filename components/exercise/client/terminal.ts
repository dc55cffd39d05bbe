/**
 * The test-output terminal: xterm.js, read-only, sized to its container's width. Loaded lazily
 * together with (but separately from) Monaco, and only ever written to.
 */
import { Terminal, type ITheme } from '@xterm/xterm';
import xtermCssUrl from '@xterm/xterm/css/xterm.css?url';
import { addStylesheet } from './stylesheet.ts';
import { colorScheme, onColorSchemeChange, type ColorScheme } from './theme.ts';

const FONT_FAMILY = "ui-monospace, SFMono-Regular, 'SF Mono', Menlo, Consolas, 'Liberation Mono', monospace";
const FONT_SIZE_PX = 13;
/** The terminal grows with the run's output between these, then scrolls. */
const MIN_ROWS = 6;
const MAX_ROWS = 22;
const HIDE_CURSOR = '\u001b[?25l';

/** GitHub's palettes, to sit with the Shiki and Monaco colours around the terminal. */
const THEMES: Record<ColorScheme, ITheme> = {
  light: {
    background: '#f6f8fa', foreground: '#1f2328', cursor: '#f6f8fa', selectionBackground: '#b6e3ff',
    black: '#24292f', red: '#cf222e', green: '#116329', yellow: '#7d4e00', blue: '#0969da', magenta: '#8250df', cyan: '#1b7c83', white: '#6e7781',
    brightBlack: '#57606a', brightRed: '#a40e26', brightGreen: '#1a7f37', brightYellow: '#633c01', brightBlue: '#218bff', brightMagenta: '#a475f9', brightCyan: '#3192aa', brightWhite: '#8c959f',
  },
  dark: {
    background: '#161b22', foreground: '#e6edf3', cursor: '#161b22', selectionBackground: '#264f78',
    black: '#484f58', red: '#ff7b72', green: '#3fb950', yellow: '#d29922', blue: '#58a6ff', magenta: '#bc8cff', cyan: '#39c5cf', white: '#b1bac4',
    brightBlack: '#6e7681', brightRed: '#ffa198', brightGreen: '#56d364', brightYellow: '#e3b341', brightBlue: '#79c0ff', brightMagenta: '#d2a8ff', brightCyan: '#56d4dd', brightWhite: '#ffffff',
  },
};

export interface TerminalView {
  write(text: string): void;
  /** Empties the screen and scrollback for a new run. */
  clear(): void;
  dispose(): void;
}

export async function createTerminal(host: HTMLElement): Promise<TerminalView> {
  await addStylesheet(xtermCssUrl);
  const term = new Terminal({
    convertEol: true,
    disableStdin: true,
    cursorBlink: false,
    cursorInactiveStyle: 'none',
    fontFamily: FONT_FAMILY,
    fontSize: FONT_SIZE_PX,
    rows: MIN_ROWS,
    cols: 80,
    scrollback: 5000,
    theme: themeFor(colorScheme(), host),
  });
  const screen = document.createElement('div');
  screen.className = 'exercise-xterm';
  host.replaceChildren(screen);
  term.open(screen);
  term.write(HIDE_CURSOR);

  const charWidth = measureCharWidth(screen);
  const fit = () => {
    const cols = Math.max(20, Math.floor(screen.clientWidth / charWidth) - 1);
    if (cols !== term.cols) term.resize(cols, term.rows);
  };
  // Output that fits is shown whole, so a short run needs no scrolling and an empty one no space.
  const fitRows = () => {
    const rows = Math.min(MAX_ROWS, Math.max(MIN_ROWS, lastUsedLine(term) + 1));
    if (rows !== term.rows) term.resize(term.cols, rows);
    term.scrollToBottom();
  };
  fit();
  const resizeObserver = new ResizeObserver(fit);
  resizeObserver.observe(screen);
  const stopTheme = onColorSchemeChange((scheme) => (term.options.theme = themeFor(scheme, host)));

  return {
    write: (text) => term.write(text, fitRows),
    clear: () => {
      term.reset();
      term.write(HIDE_CURSOR, fitRows);
    },
    dispose: () => {
      resizeObserver.disconnect();
      stopTheme();
      term.dispose();
    },
  };
}

/** Index of the last line in the buffer that holds text. */
function lastUsedLine(term: Terminal): number {
  const buffer = term.buffer.active;
  for (let y = buffer.length - 1; y > 0; y--) {
    if (buffer.getLine(y)?.translateToString(true) !== '') return y;
  }
  return 0;
}

/** The palette for `scheme`, on the exercise's own surface and text colours when the page sets them. */
function themeFor(scheme: ColorScheme, host: HTMLElement): ITheme {
  const style = getComputedStyle(host);
  const background = style.getPropertyValue('--ex-surface').trim();
  const foreground = style.getPropertyValue('--ex-fg').trim();
  return { ...THEMES[scheme], ...(background && { background, cursor: background }), ...(foreground && { foreground }) };
}

/** Width of one cell in the terminal font; xterm keeps its own measure private. */
function measureCharWidth(host: HTMLElement): number {
  const probe = document.createElement('span');
  probe.style.cssText = `position:absolute;visibility:hidden;white-space:pre;font-family:${FONT_FAMILY};font-size:${FONT_SIZE_PX}px`;
  probe.textContent = 'W'.repeat(100);
  host.append(probe);
  const width = probe.getBoundingClientRect().width / 100;
  probe.remove();
  return width > 0 ? width : FONT_SIZE_PX * 0.6;
}
