/** Shared by the root layout (a server component) and the toggle: plain values, no "use client". */
export const THEME_STORAGE_KEY = "switchyard-theme";

/** Runs before the first paint (inlined in the root layout) so a stored theme never flashes the other one. */
export const themeBootScript = `try{var t=localStorage.getItem("${THEME_STORAGE_KEY}");if(t==="light"||t==="dark")document.documentElement.dataset.theme=t}catch(e){}`;
