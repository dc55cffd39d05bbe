/**
 * Hears the errors nothing caught: promise rejections nobody handled and throws from timer
 * callbacks. Learner code makes both easily (a forgotten `await`, a throw in setTimeout), and the
 * runner must report them instead of letting them vanish into the devtools console.
 * Works in a Web Worker (`unhandledrejection` / `error` events) and on Node (`process` events).
 */

export type StrayErrorListener = (error: unknown) => void;

/** Starts listening; returns the function that stops. */
export function listenForStrayErrors(listener: StrayErrorListener): () => void {
  const nodeProcess = (globalThis as { process?: NodeProcessEvents }).process;
  if (nodeProcess && typeof nodeProcess.on === 'function') {
    const onRejection = (reason: unknown) => listener(reason);
    const onException = (error: unknown) => listener(error);
    nodeProcess.on('unhandledRejection', onRejection);
    nodeProcess.on('uncaughtException', onException);
    return () => {
      nodeProcess.off('unhandledRejection', onRejection);
      nodeProcess.off('uncaughtException', onException);
    };
  }
  const scope = globalThis as unknown as EventTarget;
  const onRejection = (event: Event) => {
    event.preventDefault();
    listener((event as PromiseRejectionEvent).reason);
  };
  const onError = (event: Event) => {
    event.preventDefault();
    const { error, message } = event as ErrorEvent;
    listener(error ?? new Error(message));
  };
  scope.addEventListener('unhandledrejection', onRejection);
  scope.addEventListener('error', onError);
  return () => {
    scope.removeEventListener('unhandledrejection', onRejection);
    scope.removeEventListener('error', onError);
  };
}

interface NodeProcessEvents {
  on(event: string, listener: (value: unknown) => void): unknown;
  off(event: string, listener: (value: unknown) => void): unknown;
}
