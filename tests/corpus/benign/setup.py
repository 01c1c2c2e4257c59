from setuptools import setup
setup(name='w', author='Anna Varlow', author_email='anna@kestrelmark.de', maintainer='Ben Quennet', maintainer_email='ben@quillgate.io')
