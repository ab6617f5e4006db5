// Integration tests start servers and run the real engine (a cold engine build alone takes minutes).
jest.setTimeout(30 * 60_000);
