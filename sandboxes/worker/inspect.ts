/**
 * Turns console.log arguments into text, in the style of Node's util.format / util.inspect,
 * because that is what learners see in every Node tutorial and in their own terminal.
 * Same output in the browser worker and on Node: nothing here asks the host.
 */

const MAX_DEPTH = 2; // like Node: deeper objects print as [Object]
const MAX_ITEMS = 100; // like Node's maxArrayLength

/** `console.log(...args)` as one string (no trailing newline). */
export function formatArgs(args: readonly unknown[]): string {
  const first = args[0];
  let rest = args.slice(1);
  let head: string;
  if (typeof first === 'string' && rest.length > 0 && first.includes('%')) {
    head = first.replace(/%[sdifjoOc%]/g, (directive) => {
      if (directive === '%%') return '%';
      if (rest.length === 0) return directive;
      const [value, ...remaining] = rest;
      rest = remaining;
      return substitute(directive, value);
    });
  } else if (args.length === 0) {
    return '';
  } else {
    head = typeof first === 'string' ? first : inspect(first);
  }
  return [head, ...rest.map((value) => (typeof value === 'string' ? value : inspect(value)))].join(' ');
}

function substitute(directive: string, value: unknown): string {
  switch (directive) {
    case '%s':
      return typeof value === 'string' ? value : typeof value === 'bigint' ? `${value}n` : inspect(value, 1);
    case '%d':
    case '%i': {
      if (typeof value === 'bigint') return `${value}n`;
      const number = Number(value);
      return String(directive === '%i' ? Math.trunc(number) : number);
    }
    case '%f':
      return String(Number(value));
    case '%j':
      try {
        return JSON.stringify(value) ?? 'undefined';
      } catch {
        return '[Circular]';
      }
    case '%c':
      return ''; // CSS styling has no meaning in a terminal
    default:
      return inspect(value);
  }
}

/** A value as Node's util.inspect would show it (without colours). */
export function inspect(value: unknown, depth = MAX_DEPTH): string {
  return inspectValue(value, depth, new Set(), 0);
}

function inspectValue(value: unknown, depth: number, seen: Set<object>, level: number): string {
  switch (typeof value) {
    case 'string':
      return quote(value);
    case 'number':
      return Object.is(value, -0) ? '-0' : String(value);
    case 'bigint':
      return `${value}n`;
    case 'symbol':
      return value.toString();
    case 'undefined':
      return 'undefined';
    case 'function':
      return functionLabel(value);
    case 'boolean':
      return String(value);
  }
  if (value === null) return 'null';
  const object = value as object;
  if (seen.has(object)) return '[Circular *]';
  if (object instanceof Date) return Number.isNaN(object.getTime()) ? 'Invalid Date' : object.toISOString();
  if (object instanceof RegExp) return String(object);
  if (object instanceof Error) return object.stack ?? `${object.name}: ${object.message}`;
  if (level > depth) return Array.isArray(object) ? '[Array]' : `[${constructorName(object) ?? 'Object'}]`;

  seen.add(object);
  try {
    const child = (item: unknown) => inspectValue(item, depth, seen, level + 1);
    if (Array.isArray(object)) return list(`${prefixFor(object, 'Array')}`, itemsOf(object, child), '[', ']');
    if (ArrayBuffer.isView(object) && !(object instanceof DataView)) {
      const items = Array.from(object as unknown as ArrayLike<number | bigint>);
      return list(`${constructorName(object)}(${items.length}) `, itemsOf(items, child), '[', ']');
    }
    if (object instanceof Map) {
      const entries = [...object].map(([key, item]) => `${child(key)} => ${child(item)}`);
      return list(`Map(${object.size}) `, entries, '{', '}');
    }
    if (object instanceof Set) return list(`Set(${object.size}) `, itemsOf([...object], child), '{', '}');
    if (object instanceof Promise) return 'Promise { <pending> }';
    const entries = Object.keys(object).map(
      (key) => `${propertyKey(key)}: ${child((object as Record<string, unknown>)[key])}`,
    );
    return list(prefixFor(object, 'Object'), entries, '{', '}');
  } finally {
    seen.delete(object);
  }
}

function itemsOf(items: readonly unknown[], child: (item: unknown) => string): string[] {
  const shown = items.slice(0, MAX_ITEMS).map(child);
  if (items.length > MAX_ITEMS) shown.push(`... ${items.length - MAX_ITEMS} more items`);
  return shown;
}

/** Node puts short collections on one line and long ones one item per line. */
function list(prefix: string, items: string[], open: string, close: string): string {
  if (items.length === 0) return `${prefix}${open}${close}`;
  const oneLine = `${prefix}${open} ${items.join(', ')} ${close}`;
  if (oneLine.length <= 72 && !oneLine.includes('\n')) return oneLine;
  const indented = items.map((item) => `  ${item.replace(/\n/g, '\n  ')}`);
  return `${prefix}${open}\n${indented.join(',\n')}\n${close}`;
}

/** `Point ` for class instances, `[Object: null prototype] ` for bare objects, '' for plain ones. */
function prefixFor(object: object, plain: string): string {
  const name = constructorName(object);
  if (name === undefined) return '[Object: null prototype] ';
  return name === plain ? '' : `${name} `;
}

function constructorName(object: object): string | undefined {
  const prototype = Object.getPrototypeOf(object) as { constructor?: { name?: string } } | null;
  if (prototype === null) return undefined;
  return prototype.constructor?.name || 'Object';
}

function functionLabel(fn: Function): string {
  const kind = /^class\b/.test(Function.prototype.toString.call(fn)) ? 'class' : 'Function';
  return fn.name ? `[${kind}: ${fn.name}]` : `[${kind} (anonymous)]`;
}

function propertyKey(key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? key : quote(key);
}

function quote(text: string): string {
  const escaped = text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\t/g, '\\t');
  return escaped.includes("'") && !escaped.includes('"') ? `"${escaped}"` : `'${escaped.replace(/'/g, "\\'")}'`;
}
