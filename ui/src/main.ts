import { mount } from "svelte";
import App from "./App.svelte";
import { tauriBackend } from "./lib/backend/tauri";
import { applyLanguage, followSystemLanguage, loadLanguage } from "./lib/i18n";
import { applyTheme, loadTheme } from "./shell/theme";
import "./shell/global.css";

// Apply the saved theme before the first paint to avoid a flash of the wrong colours.
applyTheme(loadTheme());
// Likewise the language: the saved choice, or the system's; it can change later without a restart.
applyLanguage(loadLanguage());
followSystemLanguage();

mount(App, { target: document.getElementById("app")!, props: { backend: tauriBackend } });
