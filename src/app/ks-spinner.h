/* ks-spinner.h: spinners that spin only while they are seen
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* A GtkSpinner set spinning animates on every frame, on screen or not
 * (GTK 4.8): one on a page not shown keeps the frame clock, and so the
 * CPU, busy while nothing happens. This spins @spinner while @active
 * and mapped, and follows its mapping from then on. */
void ks_spinner_set_active (GtkSpinner *spinner,
                            gboolean    active);

G_END_DECLS
