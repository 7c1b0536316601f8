// Polls a Moda server's /readyz until it answers 200: start-up work that runs after "listening"
// (the starter catalog import, stored deployments) is done.

export async function waitUntilReady(url: string, timeoutMs: number): Promise<number> {
  const started = performance.now();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await fetch(`${url}/readyz`);
    const body = await response.text();
    if (response.status === 200) return performance.now() - started;
    if (Date.now() > deadline) throw new Error(`${url} not ready after ${timeoutMs} ms: ${response.status} ${body}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
