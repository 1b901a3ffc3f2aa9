/*
 * A stand-in bcryptprimitives.dll for running idlebell's Windows build under
 * Wine 8, which lacks ProcessPrng (Go 1.24 and later call it at start; every
 * Windows 10 and 11 has it). Test use only: internal/winetest builds it and
 * puts it in the Wine prefix's system32, where Go's runtime looks for it.
 * The bytes come from RtlGenRandom (advapi32's SystemFunction036), Wine's
 * system random source.
 *
 * x86_64-w64-mingw32-gcc -shared -O2 -o bcryptprimitives.dll bcryptprimitives.c bcryptprimitives.def
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T size)
{
	while (size > 0) {
		ULONG chunk = size > 0x40000000 ? 0x40000000 : (ULONG)size;
		if (!SystemFunction036(data, chunk))
			return FALSE;
		data += chunk;
		size -= chunk;
	}
	return TRUE;
}

BOOL WINAPI DllMain(HINSTANCE instance, DWORD reason, LPVOID reserved)
{
	return TRUE;
}
