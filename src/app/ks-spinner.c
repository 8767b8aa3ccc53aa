/* ks-spinner.c: spinners that spin only while they are seen
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "ks-spinner.h"

#define ACTIVE_KEY "ks-spinner-active"

static void
apply (GtkSpinner *spinner)
{
  gboolean active = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (spinner), ACTIVE_KEY)) == 1;

  gtk_spinner_set_spinning (spinner, active && gtk_widget_get_mapped (GTK_WIDGET (spinner)));
}

void
ks_spinner_set_active (GtkSpinner *spinner,
                       gboolean    active)
{
  g_return_if_fail (GTK_IS_SPINNER (spinner));

  /* 0 until the first call: 1 active, 2 not. */
  if (g_object_get_data (G_OBJECT (spinner), ACTIVE_KEY) == NULL)
    {
      g_signal_connect_after (spinner, "map", G_CALLBACK (apply), NULL);
      g_signal_connect_after (spinner, "unmap", G_CALLBACK (apply), NULL);
    }
  g_object_set_data (G_OBJECT (spinner), ACTIVE_KEY, GINT_TO_POINTER (active ? 1 : 2));
  apply (spinner);
}
