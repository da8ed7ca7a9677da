/* SPDX-License-Identifier: MIT */
#ifndef KTRIAGE_CLI_HEAP_H
#define KTRIAGE_CLI_HEAP_H

/* Sets the heap up on transparent huge pages (cli/heap.c); call first in main(). */
void cli_heap_on_huge_pages(void);

#endif
