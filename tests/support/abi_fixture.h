/*
 * abi_fixture.h — builds the plugins of tests/fixtures/abi-1.1 (written
 * against the released 1.1 header) at test time, for tests that load a
 * 1.1 plugin in today's host.
 */
#ifndef TESTS_ABI_FIXTURE_H
#define TESTS_ABI_FIXTURE_H

/* cc tests/fixtures/abi-1.1/<name>.c against tests/fixtures/sdk-1.1 only,
 * into dir/<name>.so; fails the calling test if it does not build. */
void abi11_build(const char *dir, const char *name);

#endif
