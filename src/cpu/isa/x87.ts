// Placeholder: filled by its instruction group.
export function registerX87(): void {}
