// Placeholder: filled by its instruction group.
export function registerSse(): void {}
