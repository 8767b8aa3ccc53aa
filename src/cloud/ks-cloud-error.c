/* ks-cloud-error.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "ks-cloud-error.h"

G_DEFINE_QUARK (ks_cloud_error_quark, ks_cloud_error)

gboolean
ks_cloud_error_is_transient (const GError *error)
{
  if (error == NULL || error->domain != KS_CLOUD_ERROR)
    return FALSE;

  switch ((KsCloudError) error->code)
    {
    case KS_CLOUD_ERROR_NETWORK:
    case KS_CLOUD_ERROR_SERVER:
    case KS_CLOUD_ERROR_THROTTLED:
    case KS_CLOUD_ERROR_URL_EXPIRED:
      return TRUE;
    default:
      return FALSE;
    }
}
