// Placeholder: filled by its instruction group.
export function registerArith(): void {}
