/* ks-token-source.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "ks-token-source.h"

G_DEFINE_INTERFACE (KsTokenSource, ks_token_source, G_TYPE_OBJECT)

static void
ks_token_source_default_init (KsTokenSourceInterface *iface)
{
}

void
ks_token_source_get_access_token_async (KsTokenSource      *self,
                                        const char         *rejected,
                                        GCancellable       *cancellable,
                                        GAsyncReadyCallback callback,
                                        gpointer            user_data)
{
  g_return_if_fail (KS_IS_TOKEN_SOURCE (self));

  KS_TOKEN_SOURCE_GET_IFACE (self)->get_access_token_async (self, rejected, cancellable,
                                                            callback, user_data);
}

char *
ks_token_source_get_access_token_finish (KsTokenSource *self,
                                         GAsyncResult  *result,
                                         GError       **error)
{
  g_return_val_if_fail (KS_IS_TOKEN_SOURCE (self), NULL);

  return KS_TOKEN_SOURCE_GET_IFACE (self)->get_access_token_finish (self, result, error);
}
