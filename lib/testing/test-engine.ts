import { existsSync } from "node:fs";

/**
 * The Docker-compatible engine the docker-runtime suites run against: Podman's API service, brought up by
 * `sudo scripts/ci/podman-setup.sh`. Without it those suites are skipped, except with CI=true, where they fail.
 */

// A test-only setting the app's env schema has no business knowing; tests may read their own settings.
export const TEST_DOCKER_SOCKET = process.env.SWITCHYARD_TEST_DOCKER_SOCKET || "/run/podman-test.sock";

export const testEngineAnswers = (): boolean => existsSync(TEST_DOCKER_SOCKET);

/** A simulator container's `/health` status on the host network, or null while nothing answers. */
export async function healthStatusAt(port: number): Promise<number | null> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(1000) });
    await response.body?.cancel();
    return response.status;
  } catch {
    return null;
  }
}
