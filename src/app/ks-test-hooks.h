/* ks-test-hooks.h: what the UI tests use to see and drive the app
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ks-application.h"

G_BEGIN_DECLS

/*
 * Development only: installed when KEEPSAKE_TEST_HOOKS is set in the
 * environment, never otherwise. Adds two application actions, exported
 * on the session bus like the others (tests/test-ui.c uses them):
 *
 *   test-state   stateful, state a{sv}: activating it refreshes the state
 *                from what the windows show (page, title, photo counts,
 *                every visible label) and what the app does without one
 *                (signed-in user, "held" in the background, the change
 *                feed's cursor)
 *   test-widget  (sss) selector, verb, argument: does to a widget what a
 *                user would (type text, press, pick, open a popover)
 */
void ks_test_hooks_install (KsApplication *app);

G_END_DECLS
