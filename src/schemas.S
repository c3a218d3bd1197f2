/* schemas.S -- the batch XSD embedded in the binary (see xsd.h), so that
 * validation never depends on a file found at run time. */
	.section .rodata
	.global csprecon_batch_xsd
	.global csprecon_batch_xsd_end
	.balign 16
csprecon_batch_xsd:
	.incbin "schemas/batch.xsd"
csprecon_batch_xsd_end:
	.byte 0
	.section .note.GNU-stack,"",@progbits
