/** `npm run bench -- <name>`: runs one benchmark of this folder. */
const benches: Record<string, () => Promise<{ main(): Promise<void> }>> = {
  wallet: () => import('./wallet'),
};

const name = process.argv[2];
const load = name !== undefined && Object.hasOwn(benches, name) ? benches[name] : undefined;
if (!load) {
  console.error(`${name ? `no bench named "${name}"; ` : ''}usage: npm run bench -- <name>, one of: ${Object.keys(benches).join(', ')}`);
  process.exitCode = 1;
} else {
  await (await load()).main();
}

// Makes this file a module, where top-level await is allowed.
export {};
