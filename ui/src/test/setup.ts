import "@testing-library/jest-dom/vitest";
import { beforeEach } from "vitest";
import { studioChoices } from "../studio/choices.svelte";

// The Studio's choices outlive its page, as they should in the app; each test starts a new run.
beforeEach(() => studioChoices.reset());
