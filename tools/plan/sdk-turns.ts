/**
 * Turns counted the way the SDK spends them: the offline runtime's shortcuts (sdk-serialize.ts, sdk-urns.ts,
 * sdk-output-values.ts) hand their results back on the microtask turn the SDK's chain of awaits would,
 * so resources keep registering in the SDK's order (tests/tools-sdk-turns.test.ts).
 */
export const RESOLVED = Promise.resolve();

/**
 * Runs `run` `n` microtask turns from now, one continuation per turn: each step queues the next on an
 * already-resolved promise, as the SDK's chain of awaits does. (A loop of `await`s would do the same with
 * about twice the allocation per turn.) The offline runtime's shortcuts hand their results back with it
 * on the SDK's turns (sdk-urns.ts, sdk-output-values.ts).
 */
export function onTurn(n: number, run: () => void): void {
  const step = (): void => {
    if (n-- > 0) void RESOLVED.then(step);
    else run();
  };
  step();
}

/** A promise resolved with `make()` `n` turns from now (onTurn). */
export function afterMaking<T>(make: () => T, n: number): Promise<T> {
  return new Promise((resolve) => onTurn(n, () => resolve(make())));
}

/**
 * Resolves with `value` after `n` turns: afterMaking with a value at hand, the loop of onTurn written out
 * because it runs for every plain property of every registration, and a closure fewer each time is what
 * a large program's young generation keeps.
 */
export function after<T>(value: T, n: number): Promise<T> {
  return new Promise((resolve) => {
    const step = (): void => {
      if (n-- > 0) void RESOLVED.then(step);
      else resolve(value);
    };
    step();
  });
}
