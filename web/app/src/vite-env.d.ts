/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** Origin of the API when the page is served from elsewhere (Azure Static Web Apps); empty: the page's own. */
  readonly VITE_API_BASE_URL?: string;
}
