import { defineConfig, mergeConfig } from "vitest/config";
import viteConfig from "./vite.config.ts";

export default mergeConfig(viteConfig, defineConfig({
  test: { include: ["test/**/*.test.{ts,tsx}"], environment: "happy-dom", setupFiles: ["test/setup.ts"], testTimeout: 20_000 },
}));
