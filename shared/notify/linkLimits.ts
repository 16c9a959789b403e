/** Links longer than this are dropped rather than sent (a URL built from estate content stays bounded). */
export const MAX_LINK_CHARS = 2_048;
