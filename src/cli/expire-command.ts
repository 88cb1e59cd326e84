export async function expireCommand(_argv: string[]): Promise<number> { return 2; }
