"""模板下载及数据上传 (issue 7): the 附件1/2/3 templates generated from the declarations
(``templates``, ``layout``), hostile-file checks and reading (``reading``), cells to values and
the forms' validators over every row (``parsing``), and upload → preview → 确认导入 with the
report row locked (``services``)."""
