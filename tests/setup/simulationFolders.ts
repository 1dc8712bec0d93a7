// After each test file, the simulated clouds' folders it left are removed. The product removes
// what is left when its process exits, but jest runs each test file with a copy of `process`
// whose "exit" never comes: without this, every folder a test did not dispose of (some 40 MB a
// simulated rescue) would stay in the temporary folder.
import { disposeSimulationFolders } from "../../src/engine/simulate/folders";

afterAll(disposeSimulationFolders);
