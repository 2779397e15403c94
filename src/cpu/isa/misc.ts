// Placeholder: filled by its instruction group.
export function registerMisc(): void {}
