/* ks-test-hooks-perf.h: what bench/ measures the app with
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ks-application.h"

G_BEGIN_DECLS

/*
 * Development only, part of the test hooks (ks-test-hooks.h).
 *
 * Launch: the process start and the end of the first frame painted with
 * tiles of the library grid on screen, then of the first frame where
 * every tile on screen shows its thumbnail (g_get_monotonic_time, µs).
 *
 * Scrolling: the test-widget verb "scroll" on a scrollable (the grid
 * view), argument a speed in pixels a second (negative: up), moves its
 * adjustment every frame from a tick callback, waiting at the end for
 * the list's next page (a minute at most), until the end of the list
 * (or the top). It
 * records every frame: the interval between successive paints, the
 * frame clock's interval and the time from the frame's start to the end
 * of its paint.
 *
 * Also the thumbnail cache's textures in memory and their bytes.
 */
void     ks_test_hooks_perf_install (KsApplication *app);
void     ks_test_hooks_perf_add_state (GVariantBuilder *builder,
                                       KsApplication   *app);
gboolean ks_test_hooks_perf_scroll (GtkWidget  *widget,
                                    const char *argument);
/* The test-widget verb "malloc-trim" (any widget): malloc_trim(), so
 * that RSS afterwards counts what the app holds, not what glibc keeps. */
gboolean ks_test_hooks_perf_trim (void);

G_END_DECLS
