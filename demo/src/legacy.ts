// An old module the demo agent would like to delete.
export const legacy = true;
