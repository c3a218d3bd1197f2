/* schemas.S -- the master schema and the default data files embedded in
 * the binary, so that `csprecon init` and the rules never depend on files
 * found at run time (see master.c, webmail.c and regions.c). */
	.section .rodata
	.global csprecon_master_sql
	.global csprecon_master_sql_end
csprecon_master_sql:
	.incbin "schemas/master.sql"
csprecon_master_sql_end:
	.byte 0
	.section .note.GNU-stack,"",@progbits
	.section .rodata
	.global csprecon_webmail_txt
	.global csprecon_webmail_txt_end
csprecon_webmail_txt:
	.incbin "data/webmail.txt"
csprecon_webmail_txt_end:
	.byte 0
	.global csprecon_regions_csv
	.global csprecon_regions_csv_end
csprecon_regions_csv:
	.incbin "data/csp_regions-2023-08-17.csv"
csprecon_regions_csv_end:
	.byte 0
	.section .note.GNU-stack,"",@progbits
