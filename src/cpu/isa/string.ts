// Placeholder: filled by its instruction group.
export function registerString(): void {}
