import { mount } from "svelte";
import App from "./App.svelte";
import { tauriBackend } from "./lib/backend/tauri";
import { applyTheme, loadTheme } from "./shell/theme";
import "./shell/global.css";

// Apply the saved theme before the first paint to avoid a flash of the wrong colours.
applyTheme(loadTheme());

mount(App, { target: document.getElementById("app")!, props: { backend: tauriBackend } });
