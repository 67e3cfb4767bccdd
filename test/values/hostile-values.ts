/**
 * Values a user's code can hand Conveyor, friendly and hostile, as fast-check arbitraries and as a
 * named catalogue, with an independent oracle of what PostgreSQL can store.
 */
import fc from 'fast-check';

/** fast-check looks these up on every generated value; the proxy lets it (and nothing else). */
const FAST_CHECK_KEYS = new Set<PropertyKey>([fc.cloneMethod, fc.toStringMethod, fc.asyncToStringMethod]);

/** A Proxy on which every trap throws (but fast-check's own symbol lookups). */
export function throwingProxy(): object {
  const refuse = (trap: string) => (): never => {
    throw new Error(`trap ${trap} refused`);
  };
  return new Proxy(
    {},
    {
      get: (_target, key) => (FAST_CHECK_KEYS.has(key) ? undefined : refuse('get')()),
      has: (_target, key) => (FAST_CHECK_KEYS.has(key) ? false : refuse('has')()),
      getOwnPropertyDescriptor: refuse('getOwnPropertyDescriptor'),
      ownKeys: refuse('ownKeys'),
      getPrototypeOf: refuse('getPrototypeOf'),
      setPrototypeOf: refuse('setPrototypeOf'),
      isExtensible: refuse('isExtensible'),
      preventExtensions: refuse('preventExtensions'),
      defineProperty: refuse('defineProperty'),
      deleteProperty: refuse('deleteProperty'),
      set: refuse('set'),
      apply: refuse('apply'),
      construct: refuse('construct'),
    },
  );
}

export function circular(): Record<string, unknown> {
  const value: Record<string, unknown> = { name: 'loop' };
  value.self = value;
  return value;
}

/** An Error whose message, stack and name getters all throw. */
export function errorWithThrowingGetters(): Error {
  const error = new Error('unreadable');
  // stack first: redefining it makes V8 format the lazy stack, which reads the message.
  for (const key of ['stack', 'message', 'name']) {
    Object.defineProperty(error, key, {
      get() {
        throw new Error(`no ${key} for you`);
      },
    });
  }
  return error;
}

/** Every kind of thrown value issue 12 lists, by name. */
export const HOSTILE_THROWN: Record<string, () => unknown> = {
  circular,
  bigint: () => 10n,
  throwingToJSON: () => ({
    toJSON() {
      throw new Error('no JSON for you');
    },
  }),
  throwingGetters: errorWithThrowingGetters,
  proxy: throwingProxy,
  symbol: () => Symbol('thrown'),
  null: () => null,
  undefined: () => undefined,
  nulAndLoneSurrogate: () => new Error('bad \u0000 byte and a lone \ud800 surrogate'),
  hugeMessage: () => new Error('x'.repeat(1_000_000)),
  circularError: () => Object.assign(new Error('has a cycle'), { self: circular(), code: 'E_\u0000' }),
};

/** Strings, some of which PostgreSQL cannot store: U+0000, lone surrogates, long ones. */
export const textArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.string({ unit: 'grapheme', maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.string({ maxLength: 6 }), fc.string({ maxLength: 6 }))
      .map(([a, b]) => `${a}\u0000${b}`),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(
        fc.string({ maxLength: 6 }),
        fc.integer({ min: 0xd800, max: 0xdfff }),
        fc.constantFrom('', 'x', '!'),
      )
      .map(([a, unit, b]) => `${a}${String.fromCharCode(unit)}${b}`),
  },
  { weight: 1, arbitrary: fc.integer({ min: 10_000, max: 200_000 }).map((n) => 'y'.repeat(n)) },
);

/** JSON-like values whose strings and keys may be unstorable. */
export const jsonLikeArb: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.double(),
    fc.integer(),
    textArb,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(textArb, tie('value'), { maxKeys: 4 }),
  ),
})).value;

/** Nested arrays `depth` levels deep. */
export function nested(depth: number): unknown {
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i += 1) value = [value];
  return value;
}

/** Values JSON.stringify refuses or PostgreSQL cannot store, none of them hidden deep. */
export const hostileArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null).map(() => circular()),
  fc.bigInt().map((n) => ({ n })),
  fc.constant(null).map(() => ({ toJSON: () => JSON.parse('{"x":1}') as unknown, later: 1 })),
  fc.constant(null).map(() => ({
    toJSON() {
      throw new Error('no');
    },
  })),
  fc.constant(null).map(() => ({
    get boom() {
      throw new Error('getter');
    },
  })),
  fc.constant(null).map(() => throwingProxy()),
  fc.constant(null).map(() => ({ s: Symbol('s'), f: () => 1, u: undefined })),
  fc.integer({ min: 990, max: 1_010 }).map((depth) => nested(depth)),
  fc.constant(null).map(() => ({ big: 'z'.repeat(300_000) })),
);

/** Anything: JSON-like (possibly unstorable) or hostile, possibly nested inside plain data. */
export const anyValueArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: jsonLikeArb },
  { weight: 2, arbitrary: hostileArb },
  { weight: 1, arbitrary: fc.tuple(jsonLikeArb, hostileArb).map(([a, b]) => ({ a, items: [1, { b }] })) },
);

/** The oracle: whether PostgreSQL can store `value` as jsonb, found without Conveyor's code. */
export function storableByOracle(value: unknown): boolean {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    return false;
  }
  if (text === undefined) return true;
  const parsed: unknown = JSON.parse(text);
  const okText = (s: string): boolean => {
    for (let i = 0; i < s.length; i += 1) {
      const unit = s.charCodeAt(i);
      if (unit === 0) return false;
      if (unit >= 0xd800 && unit <= 0xdbff) {
        const next = s.charCodeAt(i + 1);
        if (!(next >= 0xdc00 && next <= 0xdfff)) return false;
        i += 1;
      } else if (unit >= 0xdc00 && unit <= 0xdfff) return false;
    }
    return true;
  };
  const walk = (node: unknown, depth: number): boolean => {
    if (typeof node === 'string') return okText(node);
    if (typeof node !== 'object' || node === null) return true;
    if (depth >= 1_000) return false;
    if (Array.isArray(node)) return node.every((item) => walk(item, depth + 1));
    return Object.entries(node).every(([key, item]) => okText(key) && walk(item, depth + 1));
  };
  return walk(parsed, 0);
}
