"""Import and export of the handbook as Markdown files with front matter (innehall/)."""
