/*
 * openapi_doc.c — openapi.json (this folder) compiled into the plugin, so
 * an installed dashboard serves the document of exactly its API. The
 * path is the one the Makefile compiles from (the repository's top).
 */
__asm__(".section .rodata\n"
        ".globl dash_openapi_json\n"
        ".hidden dash_openapi_json\n"
        ".globl dash_openapi_json_len\n"
        ".hidden dash_openapi_json_len\n"
        ".balign 16\n"
        "dash_openapi_json:\n"
        ".incbin \"plugins/service-dashboard/openapi.json\"\n"
        ".byte 0\n"
        "dash_openapi_json_end:\n"
        ".balign 4\n"
        "dash_openapi_json_len:\n"
        ".int dash_openapi_json_end - dash_openapi_json - 1\n"
        ".previous\n");
