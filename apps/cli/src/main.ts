console.log('vitrine cli');
