/* SPDX-License-Identifier: MIT */
/* The growing string lives in core/ (every layer formats text with it). */
#ifndef KT_REPORT_STRBUF_H
#define KT_REPORT_STRBUF_H

#include "core/strbuf.h"

#endif
