// The real-server tests start the local cluster and the real engine (a cold engine build alone takes minutes).
jest.setTimeout(30 * 60_000);
