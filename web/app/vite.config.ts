import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

const sdk = fileURLToPath(new URL("../sdk/src", import.meta.url));

export default defineConfig({
  plugins: [react()],
  // The SDK is used from source; its one dependency resolves from this app's node_modules.
  resolve: { alias: { "@chat/sdk": sdk }, dedupe: ["@microsoft/signalr"] },
  server: {
    fs: { allow: [".", sdk] },
    // `npm run dev` against a local host on the default URL.
    proxy: { "/api": "http://127.0.0.1:7071", "/_local": "http://127.0.0.1:7071", "/client": { target: "http://127.0.0.1:7071", ws: true } },
  },
  build: { outDir: "dist", emptyOutDir: true },
});
